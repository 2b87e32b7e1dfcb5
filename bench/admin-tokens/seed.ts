// Seeds a database for the admin token list benchmark: 100,000 users and
// 1,000,000 tokens and grants, spread over the kinds and statuses a busy
// Gatehouse has after half a year, with popular and rare clients.
//
//   npx tsx bench/admin-tokens/seed.ts                       # SQLite: bench/admin-tokens/data/bench.db
//   DATABASE_URL=postgresql://… npx tsx bench/admin-tokens/seed.ts
//   options: --users 100000 --tokens 1000000 --file path/to.db
//
// It migrates the database first (the same migrations as the server), inserts
// with multi-row INSERTs in batched transactions, and runs ANALYZE at the end
// so the planner has statistics, as a long-running database would.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { applyMigrations } from '../../lib/server/db/migrate.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
export const DEFAULT_SQLITE_FILE = path.join(here, 'data', 'bench.db');
const USERS = Number(arg('users', '100000'));
const TOKENS = Number(arg('tokens', '1000000'));
const url = process.env.DATABASE_URL ?? `file:${path.resolve(arg('file', DEFAULT_SQLITE_FILE))}`;
const isSqlite = url.startsWith('file:');

// Share of the total per kind (the rest are team tokens, one per team).
const TEAMS = Math.max(10, Math.round(TOKENS / 1000));
const GRANTS = Math.round(TOKENS * 0.15);
const REFRESH = Math.round(TOKENS * 0.35);
const ACCESS = Math.round(TOKENS * 0.4);
const PERSONAL = TOKENS - GRANTS - REFRESH - ACCESS - TEAMS;
const CLIENTS = 200;
const NOW = Date.now();
const SPAN = 180 * 86_400_000;

let seed = 42;
/** mulberry32: deterministic, so two runs seed the same shape (32-bit integer steps, no float rounding). */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (n: number) => Math.floor(random() * n);
/** Client k is chosen with weight 1/(k+1): a few popular clients, a long tail of rare ones. */
const clientWeights = Array.from({ length: CLIENTS }, (_, k) => 1 / (k + 1));
const clientCumulative = clientWeights.map(((sum) => (w: number) => (sum += w))(0));
const pickClient = () => {
  const r = random() * clientCumulative[CLIENTS - 1];
  let lo = 0;
  let hi = CLIENTS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (clientCumulative[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const CLIENT_NAMES = ['Claude Desktop', 'Cursor', 'VS Code', 'Zed', 'Windsurf', 'Goose', 'Continue', 'Cline'];

type Value = string | number | boolean | null | Date;
type Writer = { insert(table: string, columns: string[], rows: Value[][]): Promise<void>; finish(): Promise<void> };

async function sqliteWriter(file: string): Promise<Writer> {
  const conn = new Database(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = OFF');
  const statements = new Map<string, Database.Statement>();
  // The same text Prisma's SQLite adapter writes, so string comparisons agree.
  const iso = (d: Date) => d.toISOString().replace('Z', '+00:00');
  return {
    async insert(table, columns, rows) {
      const key = `${table}:${columns.length}`;
      let stmt = statements.get(key);
      if (!stmt) {
        stmt = conn.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        statements.set(key, stmt);
      }
      const s = stmt;
      conn.transaction(() => {
        for (const row of rows) s.run(...row.map((v) => (v instanceof Date ? iso(v) : typeof v === 'boolean' ? Number(v) : v)));
      })();
    },
    async finish() {
      conn.exec('ANALYZE');
      conn.pragma('wal_checkpoint(TRUNCATE)');
      conn.close();
    },
  };
}

async function postgresWriter(connectionString: string): Promise<Writer> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  return {
    async insert(table, columns, rows) {
      // Multi-row INSERTs, under PostgreSQL's 65,535 parameters per statement.
      const perStatement = Math.floor(60_000 / columns.length);
      await client.query('BEGIN');
      for (let i = 0; i < rows.length; i += perStatement) {
        const chunk = rows.slice(i, i + perStatement);
        const values = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        await client.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`, chunk.flat());
      }
      await client.query('COMMIT');
    },
    async finish() {
      // As autovacuum would have by now: statistics, and the visibility map that index-only scans need.
      await client.query('VACUUM ANALYZE');
      await client.end();
    },
  };
}

const BATCH = 20_000;
async function inBatches(writer: Writer, table: string, columns: string[], total: number, make: (i: number) => Value[]): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < total; i += BATCH) {
    const rows: Value[][] = [];
    for (let j = i; j < Math.min(total, i + BATCH); j++) rows.push(make(j));
    await writer.insert(table, columns, rows);
    process.stderr.write(`\r\x1b[2K${table}: ${Math.min(total, i + BATCH).toLocaleString('en')} / ${total.toLocaleString('en')}`);
  }
  process.stderr.write(`\r\x1b[2K${table}: ${total.toLocaleString('en')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function main() {
  if (isSqlite) {
    const file = url.slice('file:'.length);
    mkdirSync(path.dirname(file), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
  console.log(`seeding ${url.replace(/\/\/[^@]*@/, '//…@')}: ${USERS.toLocaleString('en')} users; ${GRANTS.toLocaleString('en')} grants, ${REFRESH.toLocaleString('en')} refresh, ${ACCESS.toLocaleString('en')} access, ${PERSONAL.toLocaleString('en')} personal, ${TEAMS.toLocaleString('en')} team tokens`);
  await applyMigrations(url, { log: () => {} });
  const writer = isSqlite ? await sqliteWriter(url.slice('file:'.length)) : await postgresWriter(url);
  const started = Date.now();
  const at = (ms: number) => new Date(ms);
  const someTimeAgo = () => NOW - Math.floor(random() * SPAN);

  const userIds = Array.from({ length: USERS }, () => randomUUID());
  await inBatches(writer, 'User', ['id', 'email', 'username', 'name', 'isAdmin', 'disabled', 'createdVia', 'createdAt', 'updatedAt'], USERS, (i) => {
    const created = at(NOW - SPAN - 86_400_000 + i);
    return [userIds[i], `user${i}@bench.example`, `user${i}`, `User ${i}`, false, false, 'forward_auth', created, created];
  });

  const clientIds = Array.from({ length: CLIENTS }, () => randomUUID());
  await inBatches(writer, 'Client', ['id', 'clientId', 'name', 'redirectUris', 'grantTypes', 'responseTypes', 'tokenEndpointAuthMethod', 'scope', 'source', 'createdAt', 'updatedAt'], CLIENTS, (k) => {
    const created = at(NOW - SPAN - 86_400_000);
    const name = k < CLIENT_NAMES.length ? CLIENT_NAMES[k] : `Bench client ${k}`;
    return [clientIds[k], `ghc_bench${String(k).padStart(4, '0')}`, name, '["http://127.0.0.1/cb"]', '["authorization_code","refresh_token"]', '["code"]', 'none', 'mcp:tools offline_access', 'dynamic', created, created];
  });

  const teamIds = Array.from({ length: TEAMS }, () => randomUUID());
  await inBatches(writer, 'Team', ['id', 'name', 'ownerId', 'active', 'activeJti', 'tokenHash', 'tokenPrefix', 'tokenIssuedAt', 'tokenLastUsedAt', 'createdAt', 'updatedAt'], TEAMS, (i) => {
    const issued = someTimeAgo();
    const revoked = i % 10 === 0;
    return [teamIds[i], `Team ${i}`, userIds[pick(USERS)], i % 25 !== 0, revoked ? null : randomUUID(), revoked ? null : hex(32), `gh_team_${hex(3)}`, at(issued), at(issued + pick(NOW - issued)), at(issued), at(issued)];
  });

  // Grants: a user and a client each; their tokens come after them.
  const grants: { id: string; userId: string; clientId: string; createdAt: number }[] = [];
  for (let i = 0; i < GRANTS; i++) grants.push({ id: randomUUID(), userId: userIds[pick(USERS)], clientId: clientIds[pickClient()], createdAt: someTimeAgo() });
  await inBatches(writer, 'Grant', ['id', 'userId', 'clientId', 'scope', 'resource', 'createdAt', 'lastUsedAt', 'revokedAt'], GRANTS, (i) => {
    const g = grants[i];
    return [g.id, g.userId, g.clientId, 'mcp:tools offline_access', 'https://mcp.bench.example/', at(g.createdAt), at(g.createdAt + pick(NOW - g.createdAt)), i % 20 === 0 ? at(g.createdAt + pick(NOW - g.createdAt)) : null];
  });

  // Refresh tokens: families of rotations under a grant; most are rotated, the
  // newest of each family is live or expired, a few families were revoked, and
  // a few were revoked on reuse.
  const families: { familyId: string; grant: (typeof grants)[number]; reason: string | null }[] = [];
  await inBatches(writer, 'RefreshToken', ['id', 'tokenHash', 'grantId', 'familyId', 'parentId', 'scope', 'expiresAt', 'rotatedAt', 'revokedAt', 'revokedReason', 'lastUsedAt', 'createdAt'], REFRESH, (i) => {
    if (i % 4 === 0 || !families.length) {
      const roll = random();
      families.push({ familyId: randomUUID(), grant: grants[pick(GRANTS)], reason: roll < 0.002 ? 'reuse' : roll < 0.03 ? 'revoked' : null });
    }
    const family = families[families.length - 1];
    const created = family.grant.createdAt + pick(NOW - family.grant.createdAt);
    const newest = i % 4 === 3;
    const rotated = newest ? null : at(created + pick(NOW - created));
    const revoked = family.reason ? at(created + pick(NOW - created)) : null;
    return [randomUUID(), hex(32), family.grant.id, family.familyId, null, 'mcp:tools offline_access', at(created + 30 * 86_400_000), rotated, revoked, family.reason, rotated ?? (newest ? null : at(created)), at(created)];
  });

  await inBatches(writer, 'AccessToken', ['jti', 'kind', 'grantId', 'familyId', 'clientId', 'userId', 'teamId', 'kid', 'scope', 'audience', 'expiresAt', 'revokedAt', 'createdAt'], ACCESS, (i) => {
    const roll = random();
    if (roll < 0.05) {
      const created = someTimeAgo();
      return [randomUUID(), 'client_credentials', null, null, clientIds[pickClient()], null, null, 'bench-key', 'mcp:tools', 'https://mcp.bench.example/', at(created + 900_000), null, at(created)];
    }
    if (roll < 0.07) {
      const created = someTimeAgo();
      return [randomUUID(), 'oauth', null, null, null, null, teamIds[pick(TEAMS)], 'bench-key', '', 'https://mcp.bench.example/', at(created + 900_000), null, at(created)];
    }
    const family = families[pick(families.length)];
    const g = family.grant;
    const created = g.createdAt + pick(NOW - g.createdAt);
    return [randomUUID(), 'oauth', g.id, family.familyId, g.clientId, g.userId, null, 'bench-key', 'mcp:tools', 'https://mcp.bench.example/', at(created + 900_000), family.reason || random() < 0.03 ? at(created + 60_000) : null, at(created)];
  });

  // A few grace-window retries, recorded as the token endpoint records them.
  const RETRIES = Math.round(REFRESH / 200);
  await inBatches(writer, 'AuditEvent', ['id', 'at', 'actorType', 'actorId', 'action', 'targetType', 'targetId', 'details'], RETRIES, () => {
    const family = families[pick(families.length)];
    const when = family.grant.createdAt + pick(NOW - family.grant.createdAt);
    return [randomUUID(), at(when), 'client', 'bench', 'oauth.refresh_reused', 'refresh_family', family.familyId, JSON.stringify({ outcome: family.reason === 'reuse' ? 'family_revoked' : 'grace_retry', secondsSinceRotation: 2 })];
  });

  await inBatches(writer, 'PersonalToken', ['id', 'name', 'prefix', 'tokenHash', 'userId', 'workspaceKeys', 'tools', 'expiresAt', 'lastUsedAt', 'revokedAt', 'createdAt'], PERSONAL, (i) => {
    const created = someTimeAgo();
    const expires = i % 3 === 0 ? null : created + 90 * 86_400_000;
    return [randomUUID(), ['laptop', 'ci', 'desktop', 'agent'][i % 4], `gh_pat_${hex(3)}`, hex(32), userIds[pick(USERS)], '[]', '["*"]', expires === null ? null : at(expires), random() < 0.5 ? at(created + pick(NOW - created)) : null, i % 10 === 0 ? at(created + pick(NOW - created)) : null, at(created)];
  });

  process.stderr.write('ANALYZE…\n');
  await writer.finish();
  console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
