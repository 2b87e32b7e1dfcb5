// Throwaway databases for tests, one per test suite (or per test), on both
// providers, so a suite can prove the same behaviour on SQLite and PostgreSQL:
//
//   describe.each(providers)('%s', (provider) => {
//     let db: TestDatabase;
//     beforeAll(async () => { db = await createTestDatabase(provider); await applyMigrations(db.url); });
//     afterAll(() => db.drop());
//     ...
//   });
//
// Each database is empty (no migrations applied) and private to its caller, so
// suites can run in parallel workers without seeing each other's rows;
// openMigratedDatabase() gives one migrated, with a connection open.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { applyMigrations } from '../../lib/server/db/migrate.ts';

export const providers = ['sqlite', 'postgresql'] as const;
export type Provider = (typeof providers)[number];

export type TestDatabase = {
  provider: Provider;
  /** A Gatehouse database URL (what openDb / applyMigrations take). */
  url: string;
  /** Deletes the database. Close your own connections first (PostgreSQL forces them closed anyway). */
  drop(): Promise<void>;
};

/** The PostgreSQL server to create test databases on; its own database is only used to run CREATE/DROP DATABASE. */
export const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export async function createTestDatabase(provider: Provider): Promise<TestDatabase> {
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  if (provider === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gh-test-'));
    return {
      provider,
      url: `file:${path.join(dir, `${name}.db`)}`,
      // The folder also holds the -wal and -shm files.
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    provider,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE (PostgreSQL 13+) ends connections a failed test leaked instead of hanging.
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export type MigratedTestDatabase = TestDatabase & {
  /** An open connection to it. */
  db: Db;
  /** Closes the connection, then drops the database. */
  close(): Promise<void>;
};

/** A throwaway database with every migration applied, and a connection to it. */
export async function openMigratedDatabase(provider: Provider): Promise<MigratedTestDatabase> {
  const database = await createTestDatabase(provider);
  await applyMigrations(database.url);
  const db = openDb(database.url);
  return {
    ...database,
    db,
    async close() {
      await db.close();
      await database.drop();
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
