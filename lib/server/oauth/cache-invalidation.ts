// In-process caches of things admins change (scopes, signing keys) register
// here, so a change made through this process is seen at once; other instances
// rely on the caches' short lifetimes. On globalThis: the custom server and the
// Next.js bundle (where admin actions run) load this module separately but must
// share one registry.
import type { Db } from '../db/client.ts';

export type CachedTopic = 'scopes' | 'signing-keys';

const registry = globalThis as unknown as { __gatehouseCacheInvalidators?: WeakMap<Db, Map<CachedTopic, Set<() => void>>> };

function invalidators(db: Db, topic: CachedTopic): Set<() => void> {
  const byDb = (registry.__gatehouseCacheInvalidators ??= new WeakMap());
  let topics = byDb.get(db);
  if (!topics) byDb.set(db, (topics = new Map()));
  let set = topics.get(topic);
  if (!set) topics.set(topic, (set = new Set()));
  return set;
}

export function onInvalidate(db: Db, topic: CachedTopic, invalidate: () => void): void {
  invalidators(db, topic).add(invalidate);
}

/** Drops this process's cached copies of `topic` for the database. */
export function invalidateCached(db: Db, topic: CachedTopic): void {
  for (const invalidate of invalidators(db, topic)) invalidate();
}
