import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limit.ts';
import { TOKEN_CLIENT_LIMITS, tokenClientLimits } from './token-client-limits.ts';

const { failuresPerAddress: FAILURES, successesPerClient: SUCCESSES } = TOKEN_CLIENT_LIMITS;

describe('tokenClientLimits', () => {
  it("a stranger's failures naming a client limit only that client from that address", async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter(() => now);
    const stranger = tokenClientLimits(limiter, 'client-x', '198.51.100.7');
    for (let i = 0; i < FAILURES.limit * 5; i++) {
      if ((await stranger.check()).allowed) await stranger.record('failure');
    }
    const refused = await stranger.check();
    expect(refused).toMatchObject({ allowed: false, limit: 'client_address' });
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(0);
    // The same client from elsewhere, and another client from the stranger's address, are untouched.
    expect(await tokenClientLimits(limiter, 'client-x', '203.0.113.9').check()).toEqual({ allowed: true });
    expect(await tokenClientLimits(limiter, 'client-y', '198.51.100.7').check()).toEqual({ allowed: true });
    now += FAILURES.windowSeconds * 1000;
    expect(await stranger.check()).toEqual({ allowed: true });
  });

  it('failures never spend the budget of successes, and successes are counted per client across addresses', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter(() => now);
    for (let i = 0; i < FAILURES.limit * 3; i++) await tokenClientLimits(limiter, 'client-x', `198.51.100.${i % 200}`).record('failure');
    for (let i = 0; i < SUCCESSES.limit - 1; i++) await tokenClientLimits(limiter, 'client-x', `203.0.113.${i % 200}`).record('success');
    expect(await tokenClientLimits(limiter, 'client-x', '192.0.2.1').check()).toEqual({ allowed: true });
    await tokenClientLimits(limiter, 'client-x', '192.0.2.1').record('success');
    expect(await tokenClientLimits(limiter, 'client-x', '192.0.2.2').check()).toMatchObject({ allowed: false, limit: 'client' });
    expect(await tokenClientLimits(limiter, 'client-y', '192.0.2.2').check()).toEqual({ allowed: true });
    now += SUCCESSES.windowSeconds * 1000;
    expect(await tokenClientLimits(limiter, 'client-x', '192.0.2.2').check()).toEqual({ allowed: true });
  });

  it('a client_id of any length keys a bounded entry, and distinct ids stay distinct', async () => {
    const inner = createMemoryRateLimiter();
    const keys: string[] = [];
    const limiter: RateLimiter = {
      hit: (key, ...rest) => (keys.push(key), inner.hit(key, ...rest)),
      peek: (key, ...rest) => (keys.push(key), inner.peek(key, ...rest)),
    };
    const long = 'x'.repeat(60_000);
    const other = `${'x'.repeat(59_999)}y`;
    for (let i = 0; i < FAILURES.limit; i++) await tokenClientLimits(limiter, long, '198.51.100.7').record('failure');
    expect((await tokenClientLimits(limiter, long, '198.51.100.7').check()).allowed).toBe(false);
    expect((await tokenClientLimits(limiter, other, '198.51.100.7').check()).allowed).toBe(true);
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThan(200);
  });
});
