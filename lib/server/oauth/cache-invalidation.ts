// In-process caches of things admins change (scopes, signing keys) register
// here, so a change made through this process is seen at once; other instances
// rely on the caches' short lifetimes. On globalThis: the custom server and the
// Next.js bundle (where admin actions run) load this module separately but must
// share one registry. Admin actions run on the pages thread and the caches that
// matter on the request thread: an invalidation is also broadcast to every
// other thread of the process.
import { BroadcastChannel } from 'node:worker_threads';
import type { Db } from '../db/client.ts';

export type CachedTopic = 'scopes' | 'signing-keys';

type Registry = Map<string, Map<CachedTopic, Set<() => void>>>;
type Message = { url: string; topic: CachedTopic };

const shared = globalThis as unknown as { __gatehouseCacheInvalidators?: Registry; __gatehouseCacheChannel?: BroadcastChannel };

function registry(): Registry {
  return (shared.__gatehouseCacheInvalidators ??= new Map());
}

/** One channel per thread: a message reaches the other threads, never the sender. */
function channel(): BroadcastChannel {
  if (!shared.__gatehouseCacheChannel) {
    const created = new BroadcastChannel('gatehouse-cache-invalidation');
    created.onmessage = (event) => {
      const { url, topic } = (event as unknown as { data: Message }).data;
      invalidateHere(url, topic);
    };
    // Listening must not keep a thread alive.
    (created as unknown as { unref(): void }).unref();
    shared.__gatehouseCacheChannel = created;
  }
  return shared.__gatehouseCacheChannel;
}

function invalidators(url: string, topic: CachedTopic): Set<() => void> {
  let topics = registry().get(url);
  if (!topics) registry().set(url, (topics = new Map()));
  let set = topics.get(topic);
  if (!set) topics.set(topic, (set = new Set()));
  return set;
}

function invalidateHere(url: string, topic: CachedTopic): void {
  for (const invalidate of registry().get(url)?.get(topic) ?? []) invalidate();
}

export function onInvalidate(db: Db, topic: CachedTopic, invalidate: () => void): void {
  invalidators(db.url, topic).add(invalidate);
  channel();
}

/** Drops the cached copies of `topic` for the database, in every thread of this process. */
export function invalidateCached(db: Db, topic: CachedTopic): void {
  invalidateHere(db.url, topic);
  channel().postMessage({ url: db.url, topic } satisfies Message);
}
