// Automatic pruning of unused dynamic clients (GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE):
// once shortly after start, then hourly. The timers are unref'd, so they never
// keep the process alive. With several instances each prunes; pruning is
// idempotent, so that costs a few cheap queries and nothing else.
import type { Db } from '../db/client.ts';
import { pruneUnusedDynamicClients } from '../clients/prune-dynamic-clients.ts';
import { log } from './logger.ts';

export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const FIRST_RUN_DELAY_MS = 60 * 1000;

export type PruningSchedule = { stop(): void; runNow(): Promise<number> };

export function startDynamicClientPruning(db: Db, maxIdleSeconds: number, opts: { intervalMs?: number; firstRunDelayMs?: number } = {}): PruningSchedule {
  let running: Promise<number> | null = null;
  const run = (): Promise<number> =>
    (running ??= pruneUnusedDynamicClients(db, { idleSeconds: maxIdleSeconds, actor: { type: 'system', label: 'scheduled prune' }, reason: 'schedule' })
      .then(({ count }) => {
        if (count > 0) log('info', 'pruned unused dynamic clients', { count, max_idle_seconds: maxIdleSeconds });
        return count;
      })
      .catch((error: unknown) => {
        // A database hiccup: try again at the next tick.
        log('warn', 'pruning unused dynamic clients failed', { error: (error as Error).message });
        return 0;
      })
      .finally(() => {
        running = null;
      }));
  const first = setTimeout(() => void run(), opts.firstRunDelayMs ?? FIRST_RUN_DELAY_MS);
  const every = setInterval(() => void run(), opts.intervalMs ?? PRUNE_INTERVAL_MS);
  first.unref();
  every.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
    runNow: run,
  };
}
