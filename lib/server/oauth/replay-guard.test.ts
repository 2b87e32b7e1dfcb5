import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryReplayGuard } from '../../oauth/replay-guard.ts';
import { createRedisReplayGuard } from './replay-guard.ts';

describe('createMemoryReplayGuard', () => {
  it('takes an identifier once until it expires, then again', async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const guard = createMemoryReplayGuard(() => now);
    const until = new Date(now.getTime() + 60_000);
    expect(await guard.firstUse('a', until)).toBe(true);
    expect(await guard.firstUse('a', until)).toBe(false);
    expect(await guard.firstUse('b', until)).toBe(true);
    now = new Date(until.getTime() + 1);
    expect(await guard.firstUse('a', new Date(now.getTime() + 60_000))).toBe(true);
  });

  it('refuses rather than forgets when full of live identifiers, and makes room from expired ones', async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const guard = createMemoryReplayGuard(() => now, 2);
    expect(await guard.firstUse('a', new Date(now.getTime() + 1_000))).toBe(true);
    expect(await guard.firstUse('b', new Date(now.getTime() + 60_000))).toBe(true);
    expect(await guard.firstUse('c', new Date(now.getTime() + 60_000))).toBe(false);
    now = new Date(now.getTime() + 2_000);
    expect(await guard.firstUse('c', new Date(now.getTime() + 60_000))).toBe(true);
    expect(await guard.firstUse('b', new Date(now.getTime() + 60_000))).toBe(false);
  });
});

// Real Redis (db 5), under a key prefix of this run's own.
describe('createRedisReplayGuard', () => {
  const redis = new Redis('redis://127.0.0.1:6379/5', { maxRetriesPerRequest: 1 });
  const prefix = `gatehouse:test:${randomBytes(6).toString('hex')}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('lets exactly one of many concurrent uses through, shared by every guard on the same Redis', async () => {
    const guards = [createRedisReplayGuard(redis, prefix), createRedisReplayGuard(redis, prefix)];
    const until = new Date(Date.now() + 30_000);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => guards[i % 2].firstUse('jti-1', until)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await redis.pttl(`${prefix}jti-1`)).toBeGreaterThan(20_000);
  });
});
