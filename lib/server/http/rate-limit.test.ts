import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './rate-limit.ts';

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
});
