import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limit.ts';

describe('createMemoryRateLimiter', () => {
  it('allows the limit per window, then answers with the seconds until the window ends', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter(() => now);
    for (let i = 0; i < 3; i++) expect(await limiter.hit('k', 3, 10)).toEqual({ allowed: true });
    expect(await limiter.hit('k', 3, 10)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 4_500;
    expect(await limiter.hit('k', 3, 10)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(await limiter.hit('other', 3, 10)).toEqual({ allowed: true });
    now += 5_500;
    expect(await limiter.hit('k', 3, 10)).toEqual({ allowed: true });
  });

  it('peek refuses once the window holds the limit, without counting itself', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter(() => now);
    for (let i = 0; i < 10; i++) expect(await limiter.peek('k', 2, 10)).toEqual({ allowed: true });
    await limiter.hit('k', 2, 10);
    expect(await limiter.peek('k', 2, 10)).toEqual({ allowed: true });
    await limiter.hit('k', 2, 10);
    now += 3_000;
    expect(await limiter.peek('k', 2, 10)).toEqual({ allowed: false, retryAfterSeconds: 7 });
    now += 7_000;
    expect(await limiter.peek('k', 2, 10)).toEqual({ allowed: true });
  });
});

// Real Redis (db 5), each run under a key prefix of its own.
describe('createRedisRateLimiter', () => {
  const redis = new Redis('redis://127.0.0.1:6379/5', { lazyConnect: false, maxRetriesPerRequest: 1 });
  const prefix = `gatehouse:test:${randomBytes(6).toString('hex')}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('counts hits across limiters on one Redis, and peek reads the count without adding to it', async () => {
    const a = createRedisRateLimiter(redis, prefix);
    const b = createRedisRateLimiter(redis, prefix);
    expect(await a.peek('k', 2, 30)).toEqual({ allowed: true });
    expect(await a.hit('k', 2, 30)).toEqual({ allowed: true });
    expect(await b.peek('k', 2, 30)).toEqual({ allowed: true });
    expect(await b.hit('k', 2, 30)).toEqual({ allowed: true });
    for (let i = 0; i < 5; i++) {
      const peeked = await a.peek('k', 2, 30);
      expect(peeked.allowed).toBe(false);
      expect(peeked.allowed === false && peeked.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    }
    // peek added nothing: the count is still the two hits.
    expect(await redis.get(`${prefix}k`)).toBe('2');
    expect(await b.peek('other', 2, 30)).toEqual({ allowed: true });
    expect(await redis.exists(`${prefix}other`)).toBe(0);
  });
});
