// A background job on a fixed interval: first run shortly after start, then
// every interval; a run still going is shared, never doubled. The timers are
// unref'd, so they never keep the process alive. A failed run (a database
// hiccup) is logged and tried again at the next tick.
import { errorSummary, log } from './logger.ts';

export type PeriodicJob = { stop(): void; runNow(): Promise<number> };

export function startPeriodicJob(name: string, task: () => Promise<number>, opts: { intervalMs: number; firstRunDelayMs: number }): PeriodicJob {
  let running: Promise<number> | null = null;
  const run = (): Promise<number> =>
    (running ??= task()
      .catch((error: unknown) => {
        log('warn', `${name} failed`, { error: errorSummary(error) });
        return 0;
      })
      .finally(() => {
        running = null;
      }));
  const first = setTimeout(() => void run(), opts.firstRunDelayMs);
  const every = setInterval(() => void run(), opts.intervalMs);
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
