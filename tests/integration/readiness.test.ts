// /readyz answers from the state a background probe keeps (docs/operations.md):
// a flood of requests costs the database nothing (no connection, no migration
// file read), the public answer names nothing but ready or not, and the
// details go to the log (once per change) and to /metrics.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { applyMigrations } from '../../lib/server/db/migrate.ts';
import { registerReadinessCollector } from '../../lib/server/observability/hooks.ts';
import { createMetrics } from '../../lib/server/observability/metrics.ts';
import { serveReadiness, startReadinessProbe, type ReadinessProbe } from '../../lib/server/runtime/health.ts';
import { createLogger, setLogger } from '../../lib/server/runtime/logger.ts';
import { freeLoopbackPort } from '../../e2e/fixtures/ports.ts';
import { TcpProxy } from '../../e2e/fixtures/cluster-servers.ts';
import { createTestDatabase, providers, type TestDatabase } from '../helpers/databases.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
  setLogger(undefined);
  registerReadinessCollector(null);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function readyzServer(probe: ReadinessProbe): Promise<string> {
  const server = http.createServer((_req, res) => serveReadiness(res, probe));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
}

async function startProbe(db: Db): Promise<ReadinessProbe> {
  // A long interval: the test decides when the probe runs (probe.refresh()).
  const probe = await startReadinessProbe({ db, redisUrl: null, intervalMs: 3_600_000 });
  cleanups.push(() => probe.stop());
  return probe;
}

/** Counts what a request could cost the database: new connections, and reads of migration files. */
function countDatabaseCosts() {
  const costs = { connections: 0, migrationReads: 0 };
  type Fns = Record<string, (...a: unknown[]) => unknown>;
  const client = pg.Client.prototype as unknown as Fns;
  const connect = client.connect;
  vi.spyOn(client, 'connect').mockImplementation(function (this: unknown, ...args: unknown[]) {
    costs.connections += 1;
    return connect.apply(this, args);
  });
  const isMigration = (file: unknown) => String(file).endsWith('migration.sql');
  for (const [target, name] of [[fs, 'readFileSync'], [fs, 'readFile'], [fs.promises, 'readFile']] as const) {
    const fns = target as unknown as Fns;
    const original = fns[name];
    vi.spyOn(fns, name).mockImplementation((...args: unknown[]) => {
      if (isMigration(args[0])) costs.migrationReads += 1;
      return original.apply(target, args);
    });
  }
  // Named imports of node:fs see the spies too.
  syncBuiltinESMExports();
  return costs;
}

describe.each(providers)('%s', (provider) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    await applyMigrations(database.url);
    return () => database.drop();
  });

  function open(): Db {
    const db = openDb(database.url);
    cleanups.push(() => db.close());
    return db;
  }

  it('concurrent /readyz requests open no database connection and read no migration file', async () => {
    const url = await readyzServer(await startProbe(open()));
    const costs = countDatabaseCosts();
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(url)));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ status: 'ready' });
    }
    expect(costs).toEqual({ connections: 0, migrationReads: 0 });
  });

  it('a migration missing from the history makes the instance unready at the next probe, without re-reading the files', async () => {
    const db = open();
    const probe = await startProbe(db);
    const url = await readyzServer(probe);
    const [last] = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1`);
    const costs = countDatabaseCosts();
    await db.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET migration_name = migration_name || '_gone' WHERE migration_name = '${last.migration_name}'`);
    await probe.refresh();
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready' });
    expect(probe.checks).toMatchObject({ database: true, migrations: false });

    await db.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET migration_name = '${last.migration_name}' WHERE migration_name = '${last.migration_name}_gone'`);
    await probe.refresh();
    expect((await fetch(url)).status).toBe(200);
    expect(costs.migrationReads).toBe(0);
  });
});

describe('postgresql outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    await applyMigrations(database.url);
    const target = new URL(database.url);
    proxy = new TcpProxy(await freeLoopbackPort(), { host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    return async () => {
      await proxy.stop();
      await database.drop();
    };
  });

  it('a database outage answers 503 with nothing but the status, logs the change once, shows in /metrics, and recovers', async () => {
    const lines: string[] = [];
    setLogger(createLogger({ stdout: { write: (l: string) => lines.push(l) }, stderr: { write: (l: string) => lines.push(l) } }));
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const db = openDb(viaProxy.toString());
    cleanups.push(() => db.close());
    const probe = await startProbe(db);
    const url = await readyzServer(probe);
    const metrics = createMetrics({ defaultMetrics: false });
    expect((await fetch(url)).status).toBe(200);
    expect(await metrics.registry.metrics()).toContain('gatehouse_ready{check="database"} 1');

    await proxy.stop();
    for (let i = 0; i < 3; i++) await probe.refresh();
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ status: 'not ready' });
    expect(body).not.toMatch(/127\.0\.0\.1|localhost|postgres|ECONN|\d{4,5}/);
    expect(await metrics.registry.metrics()).toContain('gatehouse_ready{check="database"} 0');
    const downLines = lines.filter((l) => l.includes('readiness check failing'));
    expect(downLines, lines.join('\n')).toHaveLength(1);
    expect(JSON.parse(downLines[0])).toMatchObject({ level: 'warn', check: 'database' });

    await proxy.start();
    await probe.refresh();
    expect((await fetch(url)).status).toBe(200);
    expect(lines.filter((l) => l.includes('readiness check passing') && l.includes('"database"'))).toHaveLength(1);
    expect(await metrics.registry.metrics()).toContain('gatehouse_ready{check="database"} 1');
  });
});
