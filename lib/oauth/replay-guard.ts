// One-time identifiers (a DPoP proof's `jti`, RFC 9449 §11.1; a client
// assertion's `jti`, RFC 7523 §3): each may be used once until it expires.
// The server backs this with Redis when configured, so every instance shares
// one memory of what was seen; else each process remembers its own.
import { createMemoryReplayCache } from '../../packages/verify/src/replay-cache.ts';

export interface ReplayGuard {
  /**
   * Records `key` as used until `expiresAt`; true the first time, false when it
   * was already used and has not expired (a replay).
   */
  firstUse(key: string, expiresAt: Date): Promise<boolean>;
}

/** In process, bounded (the resource-server library's memory, packages/verify/src/replay-cache.ts). */
export function createMemoryReplayGuard(now: () => Date = () => new Date(), maxEntries = 100_000): ReplayGuard {
  return createMemoryReplayCache({ maxEntries, now: () => now().getTime() });
}
