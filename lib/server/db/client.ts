// The database connection: the only module that constructs a Prisma client.
// Both providers are generated from one schema, so their clients share one API;
// the SQLite client's type stands for both.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { registerDbPoolCollector } from '../observability/hooks.ts';
import { providerOf, sqliteFileOf, type DbProvider } from './url.ts';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.ts';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.ts';

export type PrismaDb = InstanceType<typeof SqliteClient>;

export type Db = {
  prisma: PrismaDb;
  provider: DbProvider;
  url: string;
  /**
   * SQLite only: the very connection Prisma uses, for the prepared statements of
   * the protocol's hot paths (lib/server/db/sqlite-hot-paths.ts). One connection
   * per process, so their writes and Prisma's never wait on each other's locks.
   */
  sqlite: (() => Promise<BetterSqlite3.Database>) | null;
  close(): Promise<void>;
};

type AdapterFactory = PrismaBetterSqlite3;

/** Prisma's SQLite adapter, remembering the better-sqlite3 connection it opens. */
function capturingSqliteAdapter(inner: AdapterFactory): { factory: AdapterFactory; connection: () => BetterSqlite3.Database | null } {
  let connection: BetterSqlite3.Database | null = null;
  const factory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      // The adapter keeps its better-sqlite3 handle as `client` (@prisma/adapter-better-sqlite3).
      const opened = (adapter as unknown as { client: BetterSqlite3.Database }).client;
      // Its interactive transactions begin DEFERRED: one that reads first and
      // then writes fails with SQLITE_BUSY when another connection (the request
      // thread, the CLI, another process) wrote in between. IMMEDIATE takes
      // the write lock up front, waiting for it like any other write.
      const prepare = opened.prepare.bind(opened) as (...args: unknown[]) => BetterSqlite3.Statement;
      opened.prepare = ((source: string, ...rest: unknown[]) => prepare(source === 'BEGIN' && rest.length === 0 ? 'BEGIN IMMEDIATE' : source, ...rest)) as typeof opened.prepare;
      // Durable across a crash of the process; a power cut may lose the last
      // commits but never corrupts (WAL). The default of a connection that
      // itself switched the file to WAL would be FULL, an fsync per commit.
      opened.pragma('synchronous = NORMAL');
      connection = opened;
      return adapter;
    },
    connectToShadowDb: () => inner.connectToShadowDb(),
  } as unknown as AdapterFactory;
  return { factory, connection: () => connection };
}

export function openDb(url: string): Db {
  const provider = providerOf(url);
  let prisma: PrismaDb;
  let sqlite: Db['sqlite'] = null;
  if (provider === 'sqlite') {
    const file = sqliteFileOf(url);
    mkdirSync(path.dirname(file), { recursive: true });
    // WAL lets readers proceed during a write; busy_timeout makes concurrent
    // writers (several processes on one file) wait instead of failing.
    const adapter = capturingSqliteAdapter(new PrismaBetterSqlite3({ url: file, timeout: 5000 }));
    const client = new SqliteClient({ adapter: adapter.factory });
    prisma = client;
    sqlite = async () => {
      if (!adapter.connection()) await client.$connect();
      const connection = adapter.connection();
      if (!connection) throw new Error('the SQLite connection did not open');
      return connection;
    };
  } else {
    const max = 10;
    // Fail fast instead of hanging when PostgreSQL stops answering on an open
    // connection: a client-side query timeout, and TCP keepalive to notice a dead peer.
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, query_timeout: 5_000, keepAlive: true, idleTimeoutMillis: 30_000 });
    // The adapter ends the pool on $disconnect().
    const adapter = new PrismaPg(pool, { disposeExternalPool: true });
    registerDbPoolCollector(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }));
    prisma = new PostgresClient({ adapter }) as unknown as PrismaDb;
  }
  return { prisma, provider, url, sqlite, close: () => prisma.$disconnect() };
}

const globalForDb = globalThis as unknown as { __gatehouseDb?: Db };

/**
 * The process-wide connection. The custom server and the Next.js bundle load
 * this module separately; keeping the connection on globalThis makes them share it.
 */
export function getDb(url: string): Db {
  if (!globalForDb.__gatehouseDb || globalForDb.__gatehouseDb.url !== url) {
    globalForDb.__gatehouseDb = openDb(url);
  }
  return globalForDb.__gatehouseDb;
}
