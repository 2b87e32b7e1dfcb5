// Clears the retry records of rotated refresh tokens once their reuse grace
// window (GATEHOUSE_REFRESH_REUSE_GRACE) is over: each holds the successor's
// live tokens, sealed. Every minute, so a record outlives its window by at
// most that. Idempotent: with several instances each sweeps.
import { clearExpiredRefreshRetries } from '../../oauth/grants/refresh-token.ts';
import type { OAuthContext } from '../../oauth/context.ts';
import { log } from './logger.ts';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.ts';

export const RETRY_SWEEP_INTERVAL_MS = 60 * 1000;

export function startRefreshRetrySweep(ctx: Pick<OAuthContext, 'store' | 'now' | 'ttl'>, opts: { intervalMs?: number; firstRunDelayMs?: number } = {}): PeriodicJob {
  return startPeriodicJob(
    'clearing refresh retry records',
    async () => {
      const count = await clearExpiredRefreshRetries(ctx);
      if (count > 0) log('debug', 'cleared refresh retry records past the grace window', { count });
      return count;
    },
    { intervalMs: opts.intervalMs ?? RETRY_SWEEP_INTERVAL_MS, firstRunDelayMs: opts.firstRunDelayMs ?? RETRY_SWEEP_INTERVAL_MS },
  );
}
