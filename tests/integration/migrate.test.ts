// The migration runner, on both providers: a fresh database migrates once, a
// restarted (or doubly started) server does not migrate twice, and a history
// that disagrees with the files stops the server instead of guessing.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MigrationError,
  applyMigrations,
  listMigrations,
  migrationStatus,
  migrationsRoot,
} from '../../lib/server/db/migrate.ts';
import { createTestDatabase, providers, type Provider, type TestDatabase } from '../helpers/databases.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const INIT = '20261125000000_init';

/** Runs SQL outside the code under test, to inspect or tamper with the history. */
async function rawQuery(db: TestDatabase, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (db.provider === 'sqlite') {
    const conn = new Database(db.url.slice('file:'.length));
    try {
      const stmt = conn.prepare(sql.replace(/\$\d+/g, '?'));
      if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
      stmt.run(...params);
      return [];
    } finally {
      conn.close();
    }
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const history = (db: TestDatabase) =>
  rawQuery(db, 'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations');

/** A copy of prisma/migrations that a test may edit. */
async function fixtureDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gh-migrations-'));
  await cp(migrationsRoot(), dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, provider: Provider, name: string, sql: string) {
  await mkdir(path.join(dir, provider, name), { recursive: true });
  await writeFile(path.join(dir, provider, name, 'migration.sql'), sql);
}

/** applyMigrations in a separate Node process, as a second server instance would run it. */
async function applyInChildProcess(url: string): Promise<{ applied: string[]; alreadyApplied: number }> {
  const code = `const m = await import(${JSON.stringify(path.join(root, 'lib/server/db/migrate.ts'))});
    process.stdout.write(JSON.stringify(await m.applyMigrations(process.env.DB_URL)));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: root, env: { ...process.env, DB_URL: url } },
  );
  return JSON.parse(stdout);
}

describe('listMigrations', () => {
  it('finds the init migration for both providers with sha256 checksums', async () => {
    for (const provider of providers) {
      const [first] = listMigrations(provider);
      expect(first.name).toBe(INIT);
      expect(first.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(first.sql).toContain('CREATE TABLE "User"');
    }
  });
});

describe.each(providers)('migrations on %s', (provider) => {
  let db: TestDatabase;
  // Every migration the repository ships, oldest first: a fresh database gets them all.
  const ALL = listMigrations(provider).map((m) => m.name);
  const cleanup: string[] = [];

  beforeEach(async () => {
    db = await createTestDatabase(provider);
  });
  afterEach(async () => {
    await db.drop();
    await Promise.all(cleanup.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reports pending, migrates a fresh database, then reports nothing pending', async () => {
    expect(await migrationStatus(db.url)).toEqual({ pending: ALL, applied: [], problems: [] });

    const logs: string[] = [];
    expect(await applyMigrations(db.url, { log: (m) => logs.push(m) })).toEqual({ applied: ALL, alreadyApplied: 0 });
    expect(logs.join('\n')).toContain(INIT);

    expect(await migrationStatus(db.url)).toEqual({ pending: [], applied: ALL, problems: [] });
    const rows = await history(db);
    expect(rows).toHaveLength(ALL.length);
    expect(rows.find((r) => r.migration_name === INIT)).toMatchObject({ migration_name: INIT, checksum: listMigrations(provider)[0].checksum });
    for (const row of rows) {
      expect(Number(row.applied_steps_count)).toBe(1);
      expect(row.finished_at).not.toBeNull();
    }
  });

  it('status does not create the database or the history table', async () => {
    await migrationStatus(db.url);
    if (provider === 'sqlite') {
      await expect(readFile(db.url.slice('file:'.length))).rejects.toThrow(/ENOENT/);
    } else {
      const [row] = await rawQuery(db, `SELECT to_regclass('_prisma_migrations')::text AS t`);
      expect(row.t).toBeNull();
    }
  });

  it('a second run applies nothing', async () => {
    await applyMigrations(db.url);
    expect(await applyMigrations(db.url)).toEqual({ applied: [], alreadyApplied: ALL.length });
    expect(await history(db)).toHaveLength(ALL.length);
  });

  it('two concurrent runs in one process both succeed and record the migration once', async () => {
    const results = await Promise.all([applyMigrations(db.url), applyMigrations(db.url)]);
    // The two runs may share the work between them, but each migration is applied once.
    expect(results.flatMap((r) => r.applied).sort()).toEqual(ALL);
    expect(await history(db)).toHaveLength(ALL.length);
  });

  it('two processes started at once both succeed and record the migration once', async () => {
    const results = await Promise.all([applyInChildProcess(db.url), applyInChildProcess(db.url)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(ALL);
    expect(await history(db)).toHaveLength(ALL.length);
    expect(await migrationStatus(db.url)).toEqual({ pending: [], applied: ALL, problems: [] });
  });

  it('applies a new migration on top of applied ones', async () => {
    const dir = await fixtureDir();
    cleanup.push(dir);
    await applyMigrations(db.url, { dir });
    await addMigration(dir, provider, '29991231000000_extra', 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n');

    expect(await migrationStatus(db.url, { dir })).toMatchObject({ pending: ['29991231000000_extra'], problems: [] });
    expect(await applyMigrations(db.url, { dir })).toEqual({ applied: ['29991231000000_extra'], alreadyApplied: ALL.length });
    expect(await rawQuery(db, 'SELECT * FROM "Extra"')).toEqual([]);
  });

  it('a failing migration rolls back completely, records nothing and names itself', async () => {
    const dir = await fixtureDir();
    cleanup.push(dir);
    await addMigration(
      dir,
      provider,
      '29991231000000_broken',
      'CREATE TABLE "Half" ("id" TEXT NOT NULL PRIMARY KEY);\nINSERT INTO "NoSuchTable" VALUES (1);\n',
    );

    const error = await applyMigrations(db.url, { dir }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toMatch(/^migration 29991231000000_broken failed and was rolled back: .*NoSuchTable/);
    // The migrations before it (every real one: it is named after them) committed on their own; the broken one left no trace.
    expect((await history(db)).map((r) => r.migration_name).sort()).toEqual(ALL);
    await expect(rawQuery(db, 'SELECT * FROM "Half"')).rejects.toThrow();
    expect(await migrationStatus(db.url, { dir })).toMatchObject({ pending: ['29991231000000_broken'], problems: [] });
  });

  it('refuses when an applied migration file was modified', async () => {
    const dir = await fixtureDir();
    cleanup.push(dir);
    await applyMigrations(db.url, { dir });
    const file = path.join(dir, provider, INIT, 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')) + '\n-- edited after release\n');

    const error = await applyMigrations(db.url, { dir }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toBe(
      `refusing to migrate: migration ${INIT} was modified after it was applied (checksum differs from the database)`,
    );
    expect(await migrationStatus(db.url, { dir })).toEqual({ pending: [], applied: ALL.filter((m) => m !== INIT), problems: [expect.stringContaining('modified')] });
  });

  it('refuses when the database has a migration that no file matches', async () => {
    await applyMigrations(db.url);
    await rawQuery(
      db,
      `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
       VALUES ('f0000000-0000-0000-0000-000000000000', 'abc', $1, '20991231000000_from_the_future', $2, 1)`,
      Array(2).fill(provider === 'sqlite' ? Date.now() : new Date()),
    );
    await expect(applyMigrations(db.url)).rejects.toThrow(
      /refusing to migrate: the database has migration 20991231000000_from_the_future applied but no file matches it/,
    );
    expect((await migrationStatus(db.url)).problems).toHaveLength(1);
  });

  it('refuses an unfinished migration, but not one marked rolled back', async () => {
    await applyMigrations(db.url);
    const now = provider === 'sqlite' ? Date.now() : new Date();
    await rawQuery(
      db,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ('f1000000-0000-0000-0000-000000000000', 'abc', 'x_failed', $1)`,
      [now],
    );
    await expect(applyMigrations(db.url)).rejects.toThrow(/migration x_failed started but never finished/);

    await rawQuery(db, `UPDATE _prisma_migrations SET rolled_back_at = $1 WHERE migration_name = 'x_failed'`, [now]);
    expect(await applyMigrations(db.url)).toEqual({ applied: [], alreadyApplied: ALL.length });
  });
});
