// /healthz (the process is up) and /readyz (database reachable, migrations
// applied, Redis reachable when configured).
import type { AppContext } from '../context.ts';
import { migrationStatus } from '../db/migrate.ts';
import { getRedis } from './redis.ts';

export type Readiness = { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> };

const TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref()),
  ]);
}

export async function checkReadiness(ctx: AppContext): Promise<Readiness> {
  const checks: Readiness['checks'] = {};
  try {
    await withTimeout(ctx.db.prisma.$queryRawUnsafe('SELECT 1'), 'database');
    checks.database = { ok: true };
  } catch (error) {
    checks.database = { ok: false, detail: (error as Error).message.split('\n')[0] };
  }
  if (checks.database.ok) {
    try {
      const status = await withTimeout(migrationStatus(ctx.db.url), 'migration status');
      const problem = status.problems[0] ?? (status.pending.length ? `${status.pending.length} pending migration(s)` : undefined);
      checks.migrations = problem ? { ok: false, detail: problem } : { ok: true };
    } catch (error) {
      checks.migrations = { ok: false, detail: (error as Error).message.split('\n')[0] };
    }
  }
  if (ctx.config.redisUrl) {
    try {
      await withTimeout(getRedis(ctx.config.redisUrl).ping(), 'redis');
      checks.redis = { ok: true };
    } catch (error) {
      checks.redis = { ok: false, detail: (error as Error).message.split('\n')[0] };
    }
  }
  return { ready: Object.values(checks).every((c) => c.ok) && 'migrations' in checks, checks };
}
