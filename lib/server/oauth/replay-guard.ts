// The replay guard behind DPoP proofs and client assertions: SET NX with the
// identifier's remaining lifetime in Redis when REDIS_URL is set (every
// instance sees every use), else in this process (lib/oauth/replay-guard.ts).
import type { Redis } from 'ioredis';
import { createMemoryReplayGuard, type ReplayGuard } from '../../oauth/replay-guard.ts';
import { getRedis } from '../runtime/redis.ts';
import { RateLimiterUnavailableError } from '../http/rate-limit.ts';

export function createRedisReplayGuard(redis: Redis, prefix = 'gatehouse:jti:', now: () => Date = () => new Date()): ReplayGuard {
  return {
    async firstUse(key, expiresAt) {
      const ttlMs = Math.max(1000, expiresAt.getTime() - now().getTime());
      try {
        return (await redis.set(`${prefix}${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
      } catch (error) {
        // Unknown is not "first use": the request gets a 503, never a pass.
        throw new RateLimiterUnavailableError(error);
      }
    },
  };
}

export function createReplayGuard(redisUrl: string | null): ReplayGuard {
  return redisUrl ? createRedisReplayGuard(getRedis(redisUrl)) : createMemoryReplayGuard();
}
