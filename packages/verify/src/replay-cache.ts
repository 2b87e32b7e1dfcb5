// One-time identifiers (a DPoP proof's `jti`, RFC 9449 §11.1), each used once
// until it expires. Gatehouse's authorization server uses this same memory for
// its proofs and client assertions (lib/oauth/replay-guard.ts).

/**
 * Remembers proof identifiers for as long as their proofs could be accepted.
 * The same shape as Gatehouse's own replay guard, so one backed by Redis
 * (SET NX with the remaining lifetime) can be shared by every instance.
 */
export interface DpopReplayCache {
  /** Records `key` until `expiresAt`; true the first time, false for a replay. A throw refuses the request (503). */
  firstUse(key: string, expiresAt: Date): Promise<boolean>;
}

/**
 * In this process, bounded: expired identifiers are dropped as new ones
 * arrive; while it is full of live ones, new proofs are refused (a forgotten
 * identifier would be a replay let through).
 */
export function createMemoryReplayCache(options: { maxEntries?: number; now?: () => number } = {}): DpopReplayCache {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  return {
    async firstUse(key, expiresAt) {
      const t = now();
      const until = seen.get(key);
      if (until !== undefined && until > t) return false;
      if (seen.size >= maxEntries) {
        for (const [k, exp] of seen) if (exp <= t) seen.delete(k);
        if (seen.size >= maxEntries) return false;
      }
      seen.set(key, expiresAt.getTime());
      return true;
    },
  };
}
