// Automatic pruning of unused dynamic clients (GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE):
// once shortly after start, then hourly. With several instances each prunes;
// pruning is idempotent, so that costs a few cheap queries and nothing else.
import type { Db } from '../db/client.ts';
import { pruneUnusedDynamicClients } from '../clients/prune-dynamic-clients.ts';
import { log } from './logger.ts';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.ts';

export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const FIRST_RUN_DELAY_MS = 60 * 1000;

export type PruningSchedule = PeriodicJob;

export function startDynamicClientPruning(db: Db, maxIdleSeconds: number, opts: { intervalMs?: number; firstRunDelayMs?: number } = {}): PruningSchedule {
  return startPeriodicJob(
    'pruning unused dynamic clients',
    async () => {
      const { count } = await pruneUnusedDynamicClients(db, { idleSeconds: maxIdleSeconds, actor: { type: 'system', label: 'scheduled prune' }, reason: 'schedule' });
      if (count > 0) log('info', 'pruned unused dynamic clients', { count, max_idle_seconds: maxIdleSeconds });
      return count;
    },
    { intervalMs: opts.intervalMs ?? PRUNE_INTERVAL_MS, firstRunDelayMs: opts.firstRunDelayMs ?? FIRST_RUN_DELAY_MS },
  );
}
