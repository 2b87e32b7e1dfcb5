// /readyz (docs/operations.md): answered from the state a background probe
// keeps, never by touching the database on the request. The probe checks the
// database through the app's own pool (SELECT 1), the migration history
// against the migration files (hashed once, at start) and Redis when
// configured. The public answer says ready or not and nothing else; which
// check failed and why goes to the log (one line per change) and to /metrics
// (gatehouse_ready{check}).
import type { ServerResponse } from 'node:http';
import type { Db } from '../db/client.ts';
import { SELECT_MIGRATION_HISTORY, assessMigrations, readMigrations, type Migration, type MigrationHistoryRow } from '../db/migrate.ts';
import { NO_STORE, sendJson } from '../http/respond.ts';
import { registerReadinessCollector } from '../observability/hooks.ts';
import { errorSummary, log } from './logger.ts';
import { getRedis } from './redis.ts';

export const PROBE_INTERVAL_MS = 2_000;
const CHECK_TIMEOUT_MS = 2_000;

export type ReadinessProbe = {
  readonly ready: boolean;
  /** Each check's last outcome: database, migrations, and redis when configured. */
  readonly checks: Readonly<Record<string, boolean>>;
  /** Probes now (or joins the probe already running). */
  refresh(): Promise<void>;
  stop(): void;
};

export type ProbeOptions = { db: Db; redisUrl: string | null; intervalMs?: number; timeoutMs?: number; migrationsDir?: string };

/** Rejects after `ms`; the work itself runs on (it is awaited separately so probes never pile up). */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Hashes the migration files (asynchronously) and probes once before it
 * resolves, so a server that listens right after answers /readyz truthfully;
 * then probes every intervalMs on an unref'd timer.
 */
export async function startReadinessProbe(options: ProbeOptions): Promise<ReadinessProbe> {
  const { db, redisUrl } = options;
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  let files: Migration[] | null = null;
  let filesError: string | null = null;
  try {
    files = await readMigrations(db.provider, options.migrationsDir);
  } catch (error) {
    filesError = `cannot read the migration files: ${errorSummary(error)}`;
  }

  const checks: Record<string, boolean> = { database: false, migrations: false, ...(redisUrl ? { redis: false } : {}) };
  let probed = false;

  function record(check: string, problem: string | null): void {
    const ok = problem === null;
    // One line when a check changes (and for one failing at the first probe), not one per probe.
    if (probed ? checks[check] !== ok : !ok) {
      if (ok) log('info', 'readiness check passing', { check });
      else log('warn', 'readiness check failing', { check, detail: problem });
    }
    checks[check] = ok;
  }

  async function runChecks(): Promise<void> {
    const work: Promise<unknown>[] = [];
    const attempt = async <T>(promise: Promise<T>, what: string): Promise<string | null> => {
      work.push(promise.catch(() => {}));
      try {
        await within(promise, timeoutMs, what);
        return null;
      } catch (error) {
        return errorSummary(error);
      }
    };
    const [database, redis] = await Promise.all([
      attempt(db.prisma.$queryRawUnsafe('SELECT 1'), 'the database'),
      redisUrl ? attempt(getRedis(redisUrl).ping(), 'redis') : Promise.resolve(null),
    ]);
    record('database', database);
    // With the database away the history cannot be read: the migrations check keeps its last outcome.
    if (database === null) {
      let migrations = filesError;
      if (files) {
        const history = db.prisma.$queryRawUnsafe<MigrationHistoryRow[]>(SELECT_MIGRATION_HISTORY);
        migrations = await attempt(history, 'the migration history');
        if (migrations === null) {
          const status = assessMigrations(await history, files);
          migrations = status.problems[0] ?? (status.pending.length ? `${status.pending.length} pending migration(s): ${status.pending.join(', ')}` : null);
        }
      }
      record('migrations', migrations);
    }
    if (redisUrl) record('redis', redis);
    probed = true;
    // A hung dependency: the next probe waits for this one's queries to end (the pool's own timeout).
    await Promise.all(work);
  }

  let running: Promise<void> | null = null;
  const refresh = () => (running ??= runChecks().finally(() => (running = null)));

  await refresh();
  const timer = setInterval(() => void refresh().catch(() => {}), options.intervalMs ?? PROBE_INTERVAL_MS);
  timer.unref();
  registerReadinessCollector(() => checks);

  return {
    get ready() {
      return Object.values(checks).every(Boolean);
    },
    get checks() {
      return { ...checks };
    },
    refresh,
    stop() {
      clearInterval(timer);
    },
  };
}

/** GET /readyz: 200 or 503 from the probe's last state, with no detail (that is in the log and /metrics). */
export function serveReadiness(res: ServerResponse, probe: Pick<ReadinessProbe, 'ready'>): void {
  if (probe.ready) return sendJson(res, 200, { status: 'ready' }, NO_STORE);
  sendJson(res, 503, { status: 'not ready' }, { ...NO_STORE, 'Retry-After': '5' });
}
