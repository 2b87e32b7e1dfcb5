// Applies the hand-written SQL migrations in prisma/migrations/<provider>/.
//
// Why not `prisma migrate deploy`: the Prisma CLI needs its native schema engine,
// which cannot be installed everywhere Gatehouse runs. This module does the same
// job with the drivers we already ship, and keeps the bookkeeping in Prisma's own
// `_prisma_migrations` table (same columns, sha256 checksums), so a database it
// migrated is one the Prisma CLI would also accept, and vice versa.
//
// It runs before any Prisma client exists, so it talks to better-sqlite3 / pg
// directly and imports nothing from Next.js or the generated clients.
import { createHash, randomUUID } from 'node:crypto';
import { providerOf, sqliteFileOf, type DbProvider } from './url.ts';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';


export type Migration = { name: string; sql: string; checksum: string };

export type MigrationStatus = { pending: string[]; applied: string[]; problems: string[] };

export type ApplyOptions = {
  log?: (message: string) => void;
  /** The folder holding `<provider>/<name>/migration.sql`; tests point it at fixtures. */
  dir?: string;
};

/** The database's migration history disagrees with the files, or a migration failed. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * The key Prisma Migrate itself locks (`pg_advisory_lock(72707369)`), so this
 * runner and a `prisma migrate deploy` against the same database also exclude
 * each other (session and transaction advisory locks share one key space).
 */
export const MIGRATION_LOCK_KEY = 72707369;

const TABLE = '_prisma_migrations';

// Column definitions copied from Prisma's schema engine, so the table is the one
// Prisma creates and reads.
const CREATE_TABLE_SQLITE = `CREATE TABLE IF NOT EXISTS "${TABLE}" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const CREATE_TABLE_POSTGRES = `CREATE TABLE IF NOT EXISTS ${TABLE} (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const SELECT_ROWS = `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${TABLE} ORDER BY started_at`;

/** The migration history, for a caller that reads it through its own connection (the readiness probe). */
export const SELECT_MIGRATION_HISTORY = SELECT_ROWS;

export type MigrationHistoryRow = {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
};
type Row = MigrationHistoryRow;

// ---------------------------------------------------------------------------
// Files

/**
 * `prisma/migrations`, found next to this module when it runs from the source
 * tree; bundlers (Next.js) rewrite `import.meta.url`, so fall back to the
 * working directory, which is the repository root for every entry point.
 */
export function migrationsRoot(): string {
  const candidates: string[] = [];
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    candidates.push(path.resolve(here, '../../../prisma/migrations'));
  } catch {
    // import.meta.url is not a file: URL inside some bundles.
  }
  candidates.push(path.resolve(process.cwd(), 'prisma/migrations'));
  return candidates.find((dir) => existsSync(dir)) ?? candidates[candidates.length - 1];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// Prisma's checksum: sha256 hex of the file's bytes.
function toMigration(name: string, bytes: Buffer): Migration {
  return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
}

function providerFolder(provider: DbProvider, dir: string): string {
  const base = path.join(dir, provider);
  if (!existsSync(base)) throw new MigrationError(`no migrations folder at ${base}`);
  return base;
}

/** The migrations for one provider, in the order they apply (folder name order, as Prisma sorts). */
export function listMigrations(provider: DbProvider, dir = migrationsRoot()): Migration[] {
  const base = providerFolder(provider, dir);
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(base, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort(byName)
    .map((name) => toMigration(name, readFileSync(path.join(base, name, 'migration.sql'))));
}

/** listMigrations without blocking the event loop, for a server that is already answering requests. */
export async function readMigrations(provider: DbProvider, dir = migrationsRoot()): Promise<Migration[]> {
  const base = providerFolder(provider, dir);
  const names = (await readdir(base, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort(byName);
  const read = await Promise.all(
    names.map((name) =>
      readFile(path.join(base, name, 'migration.sql')).then(
        (bytes) => toMigration(name, bytes),
        (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)),
      ),
    ),
  );
  return read.filter((m): m is Migration => m !== null);
}

// ---------------------------------------------------------------------------
// Comparing history with files (pure, shared by apply and status)

export function assessMigrations(rows: Row[], files: Migration[]): MigrationStatus {
  const byName = new Map(files.map((f) => [f.name, f]));
  const problems: string[] = [];
  const applied = new Set<string>();
  const blocked = new Set<string>(); // in the history but neither cleanly applied nor pending
  // A rolled-back row is history only: that migration counts as not applied.
  for (const row of rows.filter((r) => r.rolled_back_at == null)) {
    const file = byName.get(row.migration_name);
    if (row.finished_at == null) {
      blocked.add(row.migration_name);
      problems.push(
        `migration ${row.migration_name} started but never finished; fix the database by hand, then mark it rolled back (set rolled_back_at) or finished`,
      );
    } else if (!file) {
      problems.push(
        `the database has migration ${row.migration_name} applied but no file matches it (was it migrated by a newer build of Gatehouse?)`,
      );
    } else if (file.checksum !== row.checksum) {
      blocked.add(row.migration_name);
      problems.push(`migration ${row.migration_name} was modified after it was applied (checksum differs from the database)`);
    } else {
      applied.add(row.migration_name);
    }
  }
  return {
    pending: files.filter((f) => !applied.has(f.name) && !blocked.has(f.name)).map((f) => f.name),
    applied: files.filter((f) => applied.has(f.name)).map((f) => f.name),
    problems,
  };
}

function refuse(problems: string[]): never {
  throw new MigrationError(`refusing to migrate: ${problems.join('; ')}`);
}

function failed(name: string, err: unknown): MigrationError {
  const reason = err instanceof Error ? err.message : String(err);
  // Every migration runs in a transaction, so a failure leaves nothing behind
  // and the next start simply retries it.
  return new MigrationError(`migration ${name} failed and was rolled back: ${reason.replace(/\s+/g, ' ')}`);
}

// ---------------------------------------------------------------------------
// SQLite

// better-sqlite3 is synchronous, and each transaction below must stay so: an
// `await` between BEGIN and COMMIT would let a second connection in this same
// process block the event loop on the file lock.
function openSqlite(url: string, readonly: boolean): Database.Database | null {
  const file = sqliteFileOf(url);
  if (readonly && !existsSync(file)) return null;
  if (!readonly) mkdirSync(path.dirname(file), { recursive: true });
  // timeout = busy_timeout: a second process waits for the write lock instead of failing.
  return new Database(file, { readonly, fileMustExist: readonly, timeout: 15_000 });
}

function sqliteRows(db: Database.Database): Row[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(TABLE);
  return exists ? (db.prepare(SELECT_ROWS).all() as Row[]) : [];
}

function applySqlite(url: string, files: Migration[], log: (m: string) => void) {
  const db = openSqlite(url, false)!;
  try {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 turns foreign keys ON by default. Prisma's SQLite migrations
    // rebuild tables (create new, copy, DROP old, rename) and rely on
    // `PRAGMA foreign_keys=OFF` inside the script, which is a no-op inside a
    // transaction; with keys on, DROP TABLE would cascade-delete child rows.
    // So keys are off for this connection and checked before each commit instead.
    db.pragma('foreign_keys = OFF');
    let before: number | null = null;
    const applied: string[] = [];
    for (;;) {
      // BEGIN IMMEDIATE takes the write lock up front, so the history read here
      // cannot be stale by the time this migration commits.
      db.exec('BEGIN IMMEDIATE');
      let next: Migration | undefined;
      try {
        db.exec(CREATE_TABLE_SQLITE);
        const status = assessMigrations(sqliteRows(db), files);
        if (status.problems.length) refuse(status.problems);
        before ??= status.applied.length;
        next = files.find((f) => f.name === status.pending[0]);
        if (next) {
          log(`applying migration ${next.name}`);
          const started = Date.now();
          try {
            db.exec(next.sql);
          } catch (err) {
            throw failed(next.name, err);
          }
          const violations = db.pragma('foreign_key_check') as unknown[];
          if (violations.length) throw failed(next.name, `${violations.length} foreign key violation(s) after it ran`);
          // Timestamps as Unix milliseconds: what Prisma's SQLite engine writes here.
          db.prepare(
            `INSERT INTO "${TABLE}" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
             VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
          ).run(randomUUID(), next.checksum, Date.now(), next.name, started);
        }
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
      if (!next) return { applied, alreadyApplied: before };
      applied.push(next.name);
    }
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------
// PostgreSQL

async function connectPg(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  return client;
}

async function pgRows(client: pg.Client): Promise<Row[]> {
  const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [TABLE]);
  return rows[0].t ? (await client.query<Row>(SELECT_ROWS)).rows : [];
}

async function applyPostgres(url: string, files: Migration[], log: (m: string) => void) {
  const client = await connectPg(url);
  try {
    let before: number | null = null;
    const applied: string[] = [];
    for (;;) {
      await client.query('BEGIN');
      let next: Migration | undefined;
      try {
        // Held until COMMIT/ROLLBACK: a second process waits here, then sees
        // this one's work when it re-reads the history below.
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        await client.query(CREATE_TABLE_POSTGRES);
        const status = assessMigrations(await pgRows(client), files);
        if (status.problems.length) refuse(status.problems);
        before ??= status.applied.length;
        next = files.find((f) => f.name === status.pending[0]);
        if (next) {
          log(`applying migration ${next.name}`);
          try {
            // No parameters: pg uses the simple query protocol, which runs a
            // multi-statement script in one round trip.
            await client.query(next.sql);
          } catch (err) {
            throw failed(next.name, err);
          }
          await client.query(
            `INSERT INTO ${TABLE} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
             VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
            [randomUUID(), next.checksum, next.name],
          );
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      if (!next) return { applied, alreadyApplied: before };
      applied.push(next.name);
    }
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------
// Public entry points

/**
 * Brings the database up to date. Safe to call from several processes at once:
 * each migration is applied by exactly one of them, the others wait and skip it.
 * Throws MigrationError (and changes nothing) when the history disagrees with the files.
 */
export async function applyMigrations(
  url: string,
  options: ApplyOptions = {},
): Promise<{ applied: string[]; alreadyApplied: number }> {
  const provider = providerOf(url);
  const files = listMigrations(provider, options.dir);
  const log = options.log ?? (() => {});
  const result =
    provider === 'sqlite' ? applySqlite(url, files, log) : await applyPostgres(url, files, log);
  if (result.applied.length) log(`applied ${result.applied.length} migration(s)`);
  return { applied: result.applied, alreadyApplied: result.alreadyApplied ?? 0 };
}

/** What applyMigrations would do, without creating or changing anything. */
export async function migrationStatus(url: string, options: Pick<ApplyOptions, 'dir'> = {}): Promise<MigrationStatus> {
  const provider = providerOf(url);
  const files = listMigrations(provider, options.dir);
  if (provider === 'sqlite') {
    const db = openSqlite(url, true);
    if (!db) return assessMigrations([], files);
    try {
      return assessMigrations(sqliteRows(db), files);
    } finally {
      db.close();
    }
  }
  const client = await connectPg(url);
  try {
    return assessMigrations(await pgRows(client), files);
  } finally {
    await client.end();
  }
}
