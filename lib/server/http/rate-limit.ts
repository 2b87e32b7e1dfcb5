// Fixed-window rate limits for the protocol endpoints (per IP and per client).
// In process for the single-instance default; shared through Redis when
// REDIS_URL is set, so a limit hit through one instance holds on all of them.
import type { Redis } from 'ioredis';
import type { AppContext } from '../context.ts';
import { getRedis } from '../runtime/redis.ts';

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one hit in the key's window; refused past `limit`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
  /** Whether the key's window already holds `limit` hits, without counting this call. */
  peek(key: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
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
    async peek(key, limit, windowSeconds) {
      const t = now();
      const w = windows.get(key);
      const endsAt = w ? w.start + windowSeconds * 1000 : 0;
      if (!w || t >= endsAt || w.count < limit) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - t) / 1000)) };
    },
  };
}

// One round trip: count the hit and start the window's expiry on the first one.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

// The count and the time left, without creating the key.
const PEEK_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
return { count, redis.call('PTTL', KEYS[1]) }
`;

export function createRedisRateLimiter(redis: Redis, prefix = 'gatehouse:rl:'): RateLimiter {
  const run = async (script: string, key: string, windowSeconds: number): Promise<[number, number]> => {
    try {
      return (await redis.eval(script, 1, `${prefix}${key}`, String(windowSeconds * 1000))) as [number, number];
    } catch (error) {
      throw new RateLimiterUnavailableError(error);
    }
  };
  const decide = ([count, ttlMs]: [number, number], allowed: boolean, windowSeconds: number): RateLimitDecision =>
    allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowSeconds * 1000) / 1000)) };
  return {
    async hit(key, limit, windowSeconds) {
      const reply = await run(HIT_SCRIPT, key, windowSeconds);
      return decide(reply, reply[0] <= limit, windowSeconds);
    },
    async peek(key, limit, windowSeconds) {
      const reply = await run(PEEK_SCRIPT, key, windowSeconds);
      return decide(reply, reply[0] < limit, windowSeconds);
    },
  };
}

const limiters = new WeakMap<AppContext['config'], RateLimiter>();

/** The app's own when it brings one; else in process, or through Redis when REDIS_URL is set, so every instance counts together. */
export function rateLimiterOf(app: Pick<AppContext, 'config' | 'rateLimiter'>): RateLimiter {
  if (app.rateLimiter) return app.rateLimiter;
  let limiter = limiters.get(app.config);
  if (!limiter) {
    limiter = app.config.redisUrl ? createRedisRateLimiter(getRedis(app.config.redisUrl)) : createMemoryRateLimiter();
    limiters.set(app.config, limiter);
  }
  return limiter;
}
