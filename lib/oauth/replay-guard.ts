// One-time identifiers (a DPoP proof's `jti`, RFC 9449 §11.1; a client
// assertion's `jti`, RFC 7523 §3): each may be used once until it expires.
// The server backs this with Redis when configured, so every instance shares
// one memory of what was seen; else each process remembers its own.

export interface ReplayGuard {
  /**
   * Records `key` as used until `expiresAt`; true the first time, false when it
   * was already used and has not expired (a replay).
   */
  firstUse(key: string, expiresAt: Date): Promise<boolean>;
}

/** In process, bounded: expired entries are dropped as new ones arrive. */
export function createMemoryReplayGuard(now: () => Date = () => new Date(), maxEntries = 100_000): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async firstUse(key, expiresAt) {
      const t = now().getTime();
      const until = seen.get(key);
      if (until !== undefined && until > t) return false;
      if (seen.size >= maxEntries) {
        for (const [k, exp] of seen) if (exp <= t) seen.delete(k);
        // Still full of live entries: refusing is the safe answer, never forgetting one.
        if (seen.size >= maxEntries) return false;
      }
      seen.set(key, expiresAt.getTime());
      return true;
    },
  };
}
