// The database connection: the only module that constructs a Prisma client.
// Both providers are generated from one schema, so their clients share one API;
// the SQLite client's type stands for both.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
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
  close(): Promise<void>;
};

export function openDb(url: string): Db {
  const provider = providerOf(url);
  let prisma: PrismaDb;
  if (provider === 'sqlite') {
    const file = sqliteFileOf(url);
    mkdirSync(path.dirname(file), { recursive: true });
    // WAL lets readers proceed during a write; busy_timeout makes concurrent
    // writers (several processes on one file) wait instead of failing.
    const adapter = new PrismaBetterSqlite3({ url: file, timeout: 5000 });
    prisma = new SqliteClient({ adapter });
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
  return { prisma, provider, url, close: () => prisma.$disconnect() };
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
