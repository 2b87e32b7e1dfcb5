// Start-up: configuration, secret, migrations, first signing key.
import { getConfig, type Config } from '../../config.ts';
import type { AppContext } from '../context.ts';
import { getDb, type Db } from '../db/client.ts';
import { applyMigrations, migrationStatus } from '../db/migrate.ts';
import { ensureBuiltInScopes } from '../db/scopes.ts';
import { ensureActiveSigningKey } from '../keys/signing-keys.ts';
import { log } from './logger.ts';
import { resolveSecret } from './secret.ts';

export class StartupError extends Error {}

/** Resolves GATEHOUSE_SECRET and makes it visible to every module of the process. */
export function resolveProcessSecret(config: Config): string {
  const resolved = resolveSecret(config.secret, config.dataDir);
  if (resolved.source === 'generated') {
    log('info', `generated GATEHOUSE_SECRET into ${resolved.file}; keep this file (or set GATEHOUSE_SECRET) to keep sessions and signing keys`);
  }
  config.secret = resolved.secret;
  process.env.GATEHOUSE_SECRET = resolved.secret;
  // next-auth builds its callback URLs from NEXTAUTH_URL.
  process.env.NEXTAUTH_URL = config.issuer;
  return resolved.secret;
}

/** What a migrated database needs before it serves: the built-in scopes and a signing key (its kid when new). */
export async function seedDatabase(db: Db, secret: string): Promise<string | null> {
  await ensureBuiltInScopes(db);
  return ensureActiveSigningKey(db, secret);
}

/**
 * SQLite (the embedded default) migrates on start; PostgreSQL is migrated by
 * the explicit `gatehouse migrate` step and refuses to start when behind.
 */
export async function bootstrap(): Promise<AppContext> {
  const config = getConfig();
  const secret = resolveProcessSecret(config);
  const url = config.database.url;
  if (config.database.provider === 'sqlite') {
    const { applied } = await applyMigrations(url);
    if (applied.length > 0) log('info', `applied ${applied.length} migration(s)`, { migrations: applied });
  } else {
    const status = await migrationStatus(url);
    if (status.problems.length > 0) throw new StartupError(`database migrations: ${status.problems[0]}`);
    if (status.pending.length > 0) {
      throw new StartupError(`database has ${status.pending.length} pending migration(s): run \`npx gatehouse migrate\` first`);
    }
  }
  const db = getDb(url);
  const kid = await seedDatabase(db, secret);
  if (kid) log('info', 'created the first signing key', { kid });
  return { config, db, secret };
}
