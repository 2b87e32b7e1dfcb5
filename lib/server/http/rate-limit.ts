// Fixed-window rate limits for the protocol endpoints (per IP and per client).
// In process for the single-instance default; shared through Redis when
// REDIS_URL is set, so a limit hit through one instance holds on all of them.
import type { Redis } from 'ioredis';

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
}

/** A shared store (Redis) could not be asked: the caller answers 503, never "allowed". */
export class RateLimiterUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`rate limiter unavailable: ${(cause as Error)?.message ?? cause}`);
    this.name = 'RateLimiterUnavailableError';
  }
}

export function createMemoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    async hit(key, limit, windowSeconds) {
      const t = now();
      const windowMs = windowSeconds * 1000;
      if (t - lastSweep > 60_000) {
        for (const [k, w] of windows) if (t - w.start >= windowMs) windows.delete(k);
        lastSweep = t;
      }
      let w = windows.get(key);
      if (!w || t - w.start >= windowMs) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      if (w.count <= limit) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)) };
    },
  };
}

// One round trip: count the hit and start the window's expiry on the first one.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

export function createRedisRateLimiter(redis: Redis, prefix = 'gatehouse:rl:'): RateLimiter {
  return {
    async hit(key, limit, windowSeconds) {
      let reply: [number, number];
      try {
        reply = (await redis.eval(HIT_SCRIPT, 1, `${prefix}${key}`, String(windowSeconds * 1000))) as [number, number];
      } catch (error) {
        throw new RateLimiterUnavailableError(error);
      }
      const [count, ttlMs] = reply;
      if (count <= limit) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowSeconds * 1000) / 1000)) };
    },
  };
}
