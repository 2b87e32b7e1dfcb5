// The hand-written SQL migrations must describe exactly the Prisma schema: the
// Prisma CLI cannot diff them for us here, so these tests are the safety net.
//  - static checks read prisma/schema.prisma and both migration files, so a new
//    model, column, index or relation without a migration fails with its name;
//  - on each provider, a migrated database round-trips every field of every
//    model through the generated client, enforces every unique constraint,
//    has every column default, and cascades / restricts deletes as declared.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, PrismaDb } from '../../lib/server/db/client.ts';
import { Prisma } from '../../lib/server/db/generated/sqlite/client.ts';
import { listMigrations } from '../../lib/server/db/migrate.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// ---------------------------------------------------------------------------
// A small reader for prisma/schema.prisma: enough for this schema's syntax
// (one field per line, single-column relations), no more.

type Field = { name: string; type: string; optional: boolean; unique: boolean; default: string | null };
type Relation = { column: string; table: string; ref: string; onDelete: string };
type Model = {
  name: string;
  scalars: Field[];
  pk: string[];
  indexes: { columns: string[]; unique: boolean }[];
  relations: Relation[];
};

function parseSchema(source: string): Model[] {
  const blocks = [...source.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(blocks.map((b) => b[1]));
  return blocks.map(([, name, body]) => {
    const model: Model = { name, scalars: [], pk: [], indexes: [], relations: [] };
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const block = line.match(/^@@(id|index|unique)\(\[([^\]]+)\]/);
      if (block) {
        const columns = block[2].split(',').map((c) => c.trim());
        if (block[1] === 'id') model.pk = columns;
        else model.indexes.push({ columns, unique: block[1] === 'unique' });
        continue;
      }
      const field = line.match(/^(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/);
      if (!field) continue;
      const [, fieldName, type, modifier, attrs] = field;
      if (modelNames.has(type)) {
        const rel = attrs.match(/@relation\(fields: \[(\w+)\], references: \[(\w+)\](?:, onDelete: (\w+))?/);
        if (rel) {
          const onDelete = rel[3] ?? (modifier === '?' ? 'SetNull' : 'Restrict');
          model.relations.push({ column: rel[1], table: type, ref: rel[2], onDelete });
        }
        continue;
      }
      if (/@id\b/.test(attrs)) model.pk = [fieldName];
      const unique = /@unique\b/.test(attrs);
      if (unique) model.indexes.push({ columns: [fieldName], unique: true });
      const def = attrs.match(/@default\(((?:[^()]|\(\))*)\)/);
      model.scalars.push({ name: fieldName, type, optional: modifier === '?', unique, default: def ? def[1] : null });
    }
    return model;
  });
}

const models = parseSchema(readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8'));
const modelByName = new Map(models.map((m) => [m.name, m]));
const migrationSql = Object.fromEntries(
  providers.map((p) => [p, listMigrations(p).map((m) => m.sql).join('\n')]),
) as Record<(typeof providers)[number], string>;

const columnType = {
  sqlite: { String: 'TEXT', Boolean: 'BOOLEAN', Int: 'INTEGER', DateTime: 'DATETIME' },
  postgresql: { String: 'TEXT', Boolean: 'BOOLEAN', Int: 'INTEGER', DateTime: 'TIMESTAMP(3)' },
} as const;
const onDeleteSql: Record<string, string> = { Cascade: 'CASCADE', Restrict: 'RESTRICT', SetNull: 'SET NULL', NoAction: 'NO ACTION' };
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the schemas and migrations agree (static)', () => {
  it('prisma/postgresql/schema.prisma is generated from prisma/schema.prisma', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/prisma-generate.mjs'), '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the check fails when the committed PostgreSQL schema differs from prisma/schema.prisma by one line', () => {
    // Guards the check itself, on a scratch copy of the script and both schemas.
    const scratch = mkdtempSync(path.join(tmpdir(), 'gatehouse-schemas-'));
    try {
      for (const file of ['scripts/prisma-generate.mjs', 'prisma/schema.prisma', 'prisma/postgresql/schema.prisma']) {
        mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
        copyFileSync(path.join(root, file), path.join(scratch, file));
      }
      const stale = path.join(scratch, 'prisma/postgresql/schema.prisma');
      writeFileSync(stale, readFileSync(stale, 'utf8').replace(/^  email {7}String {4}@unique$/m, '  email       String'));
      expect(readFileSync(stale, 'utf8')).not.toBe(readFileSync(path.join(root, 'prisma/postgresql/schema.prisma'), 'utf8'));
      const run = spawnSync(process.execPath, [path.join(scratch, 'scripts/prisma-generate.mjs'), '--check'], { cwd: scratch, encoding: 'utf8' });
      expect(run.stderr).toContain('prisma/postgresql/schema.prisma is out of date');
      expect(run.status).toBe(1);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('the schema reader understood the schema', () => {
    // Guards the reader itself: if it silently parsed nothing, every check below would pass.
    expect(models.map((m) => m.name).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    for (const model of models) {
      const scalarFieldEnum = (Prisma as unknown as Record<string, Record<string, string>>)[`${model.name}ScalarFieldEnum`];
      expect(model.scalars.map((f) => f.name), model.name).toEqual(Object.values(scalarFieldEnum));
      expect(model.pk.length, model.name).toBeGreaterThan(0);
    }
  });

  describe.each(providers)('%s migrations', (provider) => {
    const sql = migrationSql[provider];
    const tables = new Map(
      [...sql.matchAll(/CREATE TABLE "(\w+)" \(\n([\s\S]*?)\n\);/g)].map(([, name, body]) => [name, body]),
    );
    // A column added later goes after the table's others, as the database keeps it.
    for (const [, table, column, definition] of sql.matchAll(/^ALTER TABLE "(\w+)" ADD COLUMN "(\w+)" ([^;\n]+);$/gm)) {
      tables.set(table, `${tables.get(table)},\n    "${column}" ${definition}`);
    }

    it.each(models.map((m) => [m.name, m] as const))('create the table %s with every column', (_name, model) => {
      const body = tables.get(model.name);
      expect(body, `no CREATE TABLE "${model.name}" in the ${provider} migrations`).toBeDefined();
      const columns = new Map(
        [...body!.matchAll(/^ {4}"(\w+)" (.+?),?$/gm)].map(([, name, definition]) => [name, definition]),
      );
      expect([...columns.keys()]).toEqual(model.scalars.map((f) => f.name));
      for (const field of model.scalars) {
        const definition = columns.get(field.name)!;
        const where = `${model.name}.${field.name}: ${definition}`;
        expect(definition.split(' ')[0], where).toBe(columnType[provider][field.type as 'String']);
        // `"name" TEXT` alone is a nullable column without a default.
        expect(definition.includes('NOT NULL'), where).toBe(!field.optional);
        expect(definition.includes(' DEFAULT '), where).toBe(field.default !== null);
      }
      const pk = model.pk.map((c) => `"${c}"`);
      const pkSql =
        provider === 'postgresql'
          ? `CONSTRAINT "${model.name}_pkey" PRIMARY KEY (${pk.join(',')})`
          : model.pk.length === 1
            ? `${pk[0]} TEXT NOT NULL PRIMARY KEY`
            : `PRIMARY KEY (${pk.join(', ')})`;
      expect(body).toContain(pkSql);
    });

    it.each(models.map((m) => [m.name, m] as const))('create every index and unique constraint of %s', (_name, model) => {
      for (const index of model.indexes) {
        const name = `${model.name}_${index.columns.join('_')}_${index.unique ? 'key' : 'idx'}`;
        const columns = index.columns.map((c) => `"${c}"`).join(', ');
        expect(sql).toContain(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX "${name}" ON "${model.name}"(${columns});`);
      }
    });

    it.each(models.map((m) => [m.name, m] as const))('create every foreign key of %s', (_name, model) => {
      for (const rel of model.relations) {
        const fk = new RegExp(
          `CONSTRAINT "${model.name}_${rel.column}_fkey" FOREIGN KEY \\("${rel.column}"\\) REFERENCES "${rel.table}" ?\\("${rel.ref}"\\) ` +
            `ON DELETE ${onDeleteSql[rel.onDelete]} ON UPDATE CASCADE`,
        );
        expect(sql).toMatch(fk);
        if (provider === 'postgresql') expect(sql).toMatch(new RegExp(`ALTER TABLE "${escapeRe(model.name)}" ADD ${fk.source}`));
      }
    });
  });
});

// ---------------------------------------------------------------------------
// Every model, every field, through the generated client.

type Row = Record<string, unknown>;
type Delegate = {
  create(args: { data: Row }): Promise<Row>;
  findUnique(args: { where: Row }): Promise<Row | null>;
  update(args: { where: Row; data: Row }): Promise<Row>;
  delete(args: { where: Row }): Promise<Row>;
};
const delegate = (prisma: PrismaDb, model: string) =>
  (prisma as unknown as Record<string, Delegate>)[model[0].toLowerCase() + model.slice(1)];

/** The unique `where` for a row of `model`, from its primary key. */
function whereOf(model: string, data: Row): Row {
  const pk = modelByName.get(model)!.pk;
  if (pk.length === 1) return { [pk[0]]: data[pk[0]] };
  return { [pk.join('_')]: Object.fromEntries(pk.map((c) => [c, data[c]])) };
}

type Case = { model: Prisma.ModelName; data: Row; update: Row };

/**
 * One row of every model, parents first, with every field set and set away from
 * its default, so a value read back proves the column stored it. `s` keeps the
 * unique values of several graphs apart.
 */
function graph(s: string): Case[] {
  let tick = 0;
  // Distinct millisecond-precise instants: precision loss or swapped columns show up.
  const t = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, ++tick));
  const user = { id: `user-${s}`, email: `${s}@example.test`, username: `user_${s}`, name: 'Ada Lovelace', isAdmin: true, disabled: true, createdVia: 'local', lastLoginAt: t(), createdAt: t(), updatedAt: t() };
  const client = {
    id: `client-${s}`, clientId: `cid_${s}`, name: 'Claude Desktop', secretHash: 'secret-hash',
    redirectUris: '["https://app.example/cb"]', grantTypes: '["authorization_code","refresh_token"]', responseTypes: '["code"]',
    tokenEndpointAuthMethod: 'client_secret_basic', scope: 'mcp:tools', logoUri: 'https://app.example/logo.png', clientUri: 'https://app.example',
    applicationType: 'native', metadata: '{"client_name":"Claude"}', source: 'dynamic', registrationAccessTokenHash: 'rat-hash',
    canIntrospect: true, disabled: true, createdBy: user.id, lastUsedAt: t(), secretRotatedAt: t(), createdAt: t(), updatedAt: t(),
    approvedAt: t(), approvedBy: user.id, jwks: '{"keys":[]}', jwksUri: 'https://app.example/jwks.json',
  };
  const grant = { id: `grant-${s}`, userId: user.id, clientId: client.id, scope: 'mcp:tools', resource: 'https://mcp.example/', workspaceKeys: '["alpha"]', createdAt: t(), lastUsedAt: t(), revokedAt: t() };
  const team = { id: `team-${s}`, name: `Team ${s}`, ownerId: user.id, active: false, activeJti: `team-jti-${s}`, tokenHash: `team-hash-${s}`, tokenPrefix: 'ght_abcd', tokenIssuedAt: t(), tokenLastUsedAt: t(), tools: '["search"]', createdAt: t(), updatedAt: t() };
  const workspace = { id: `ws-${s}`, key: `ws_${s}`, name: 'Alpha', createdAt: t(), updatedAt: t() };
  return [
    { model: 'User', data: user, update: { name: 'Grace Hopper', lastLoginAt: null, isAdmin: false } },
    { model: 'LocalCredential', data: { userId: user.id, passwordHash: '$argon2id$v=19$stub', failedAttempts: 3, lockedUntil: t(), createdAt: t(), updatedAt: t() }, update: { failedAttempts: 0, lockedUntil: null } },
    { model: 'Client', data: client, update: { name: 'Renamed', disabled: false, secretRotatedAt: t() } },
    { model: 'BlockedClientDocument', data: { url: `https://client-${s}.example/app.json`, name: 'Blocked App', blockedAt: t(), blockedBy: 'admin@example.test' }, update: { blockedBy: null } },
    { model: 'Grant', data: grant, update: { scope: 'mcp:tools mcp:read', revokedAt: null } },
    { model: 'AuthorizationCode', data: { id: `code-${s}`, codeHash: `code-hash-${s}`, grantId: grant.id, redirectUri: 'https://app.example/cb', codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', scope: 'mcp:tools', resource: 'https://mcp.example/', expiresAt: t(), redeemedAt: t(), createdAt: t(), dpopJkt: `jkt-${s}` }, update: { redeemedAt: null } },
    { model: 'RefreshToken', data: { id: `rt-${s}`, tokenHash: `rt-hash-${s}`, grantId: grant.id, familyId: `family-${s}`, parentId: `rt-parent-${s}`, scope: 'mcp:tools', resource: 'https://mcp.example/', expiresAt: t(), rotatedAt: t(), revokedAt: t(), revokedReason: 'reuse', retryCipher: 'cipher', lastUsedAt: t(), createdAt: t(), jkt: `jkt-${s}` }, update: { revokedAt: null, revokedReason: null } },
    { model: 'Team', data: team, update: { active: true, tools: null } },
    { model: 'AccessToken', data: { jti: `jti-${s}`, kind: 'oauth', grantId: grant.id, familyId: `family-${s}`, clientId: client.id, userId: user.id, teamId: team.id, kid: `kid-${s}`, scope: 'mcp:tools', audience: 'https://mcp.example/', expiresAt: t(), revokedAt: t(), createdAt: t(), jkt: `jkt-${s}` }, update: { revokedAt: null } },
    { model: 'PersonalToken', data: { id: `pat-${s}`, name: 'laptop', prefix: 'ghp_abcd', tokenHash: `pat-hash-${s}`, userId: user.id, workspaceKeys: '["alpha"]', tools: '["*"]', expiresAt: t(), lastUsedAt: t(), revokedAt: t(), createdAt: t() }, update: { name: 'desktop', expiresAt: null } },
    { model: 'TeamMembership', data: { teamId: team.id, userId: user.id, role: 'owner', createdAt: t() }, update: { role: 'member' } },
    { model: 'Workspace', data: workspace, update: { name: 'Beta' } },
    { model: 'TeamWorkspaceAssignment', data: { teamId: team.id, workspaceId: workspace.id, createdAt: t() }, update: { createdAt: t() } },
    { model: 'Scope', data: { name: `scope:${s}`, description: 'Read things', tools: '["read"]', isDefault: true, builtIn: true, createdAt: t(), updatedAt: t() }, update: { isDefault: false, description: 'Read' } },
    { model: 'ResourceServer', data: { id: `rs-${s}`, url: `https://mcp-${s}.example/`, name: 'MCP', scopes: 'mcp:tools', createdAt: t(), updatedAt: t() }, update: { name: 'MCP 2' } },
    { model: 'SigningKey', data: { kid: `kid-${s}`, alg: 'ES384', publicJwk: '{"kty":"EC"}', privateKeyEnc: 'encrypted', status: 'active', createdAt: t(), activatedAt: t(), retiringAt: t(), retiredAt: t() }, update: { status: 'retiring', retiredAt: null } },
    { model: 'SetupToken', data: { id: `setup-${s}`, tokenHash: `setup-hash-${s}`, expiresAt: t(), createdAt: t() }, update: { expiresAt: t() } },
    { model: 'AuditEvent', data: { id: `event-${s}`, at: t(), actorType: 'user', actorId: user.id, actorLabel: 'ada', action: 'user.login', targetType: 'user', targetId: user.id, ip: '203.0.113.7', userAgent: 'vitest', details: '{"ok":true}' }, update: { details: '{}' } },
  ];
}

async function seed(prisma: PrismaDb, cases: Case[]) {
  for (const c of cases) await delegate(prisma, c.model).create({ data: c.data });
}

const prismaCode = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (e: { code?: string }) => e.code ?? String(e),
  );

describe.each(providers)('the generated client on a migrated %s database', (provider) => {
  let database: MigratedTestDatabase;
  let db: Db;
  const cases = graph('a');

  beforeAll(async () => {
    database = await openMigratedDatabase(provider);
    db = database.db;
  });
  afterAll(() => database?.close());

  it('creates a row of every model with every field, and reads it back unchanged', async () => {
    expect(cases.map((c) => c.model).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    for (const c of cases) {
      // A field added to the schema must be added to graph() too, or this fails.
      expect(Object.keys(c.data).sort(), c.model).toEqual(modelByName.get(c.model)!.scalars.map((f) => f.name).sort());
    }
    await seed(db.prisma, cases);
    for (const c of cases) {
      expect(await delegate(db.prisma, c.model).findUnique({ where: whereOf(c.model, c.data) }), c.model).toEqual(c.data);
    }
  });

  it('updates a row of every model', async () => {
    for (const c of cases) {
      await delegate(db.prisma, c.model).update({ where: whereOf(c.model, c.data), data: c.update });
      expect(await delegate(db.prisma, c.model).findUnique({ where: whereOf(c.model, c.data) }), c.model).toMatchObject(c.update);
    }
  });

  it('rejects a duplicate primary key of every model (P2002)', async () => {
    for (const c of cases) {
      expect(await prismaCode(delegate(db.prisma, c.model).create({ data: c.data })), c.model).toBe('P2002');
    }
  });

  it('rejects a duplicate of every unique field (P2002)', async () => {
    const changed = (v: unknown) => `${String(v)}-other`;
    let checked = 0;
    for (const c of cases) {
      const model = modelByName.get(c.model)!;
      const uniques = model.scalars.filter((f) => f.unique).map((f) => f.name);
      for (const field of uniques) {
        // A copy that differs from the stored row only in its other keys: the
        // one conflict left is `field`, so P2002 proves that constraint.
        const copy = { ...c.data };
        for (const key of [...model.pk, ...uniques]) if (key !== field) copy[key] = changed(c.data[key]);
        expect(await prismaCode(delegate(db.prisma, c.model).create({ data: copy })), `${c.model}.${field}`).toBe('P2002');
        // Control: with `field` changed too, the same row is accepted.
        copy[field] = changed(c.data[field]);
        const created = await delegate(db.prisma, c.model).create({ data: copy });
        await delegate(db.prisma, c.model).delete({ where: whereOf(c.model, created) });
        checked++;
      }
    }
    expect(checked).toBe(models.flatMap((m) => m.scalars.filter((f) => f.unique)).length);
  });

  it('has every column default in the database, for raw inserts', async () => {
    // Prisma always sends defaulted values itself, so only a raw INSERT (as the
    // hot paths do) proves the migration's DEFAULT clauses. Parents come from a
    // separate graph; each child gets one row that names only its required,
    // non-defaulted columns.
    const parents: Record<string, Row> = {};
    for (const c of graph('defaults')) {
      if (['User', 'Client', 'Grant', 'Team', 'Workspace'].includes(c.model)) {
        await delegate(db.prisma, c.model).create({ data: c.data });
        parents[c.model] = c.data;
      }
    }
    const before = Date.now();
    for (const model of models.filter((m) => m.scalars.some((f) => f.default !== null))) {
      const values: Row = {};
      for (const field of model.scalars) {
        if (field.optional || field.default !== null) continue;
        const rel = model.relations.find((r) => r.column === field.name);
        values[field.name] = rel
          ? parents[rel.table][rel.ref]
          : { String: `raw-${model.name}-${field.name}`, DateTime: new Date(), Int: 1, Boolean: true }[field.type];
      }
      const columns = Object.keys(values);
      const params = columns.map((_, i) => (provider === 'sqlite' ? '?' : `$${i + 1}`));
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO "${model.name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${params.join(', ')})`,
        ...Object.values(values),
      );
      const row = (await delegate(db.prisma, model.name).findUnique({ where: whereOf(model.name, values) }))!;
      for (const field of model.scalars.filter((f) => f.default !== null)) {
        const where = `${model.name}.${field.name}`;
        if (field.default === 'now()') {
          // Fails on a PostgreSQL server whose TimeZone is not UTC: CURRENT_TIMESTAMP
          // into TIMESTAMP(3) stores local time, which Prisma then reads as UTC.
          expect(row[field.name], where).toBeInstanceOf(Date);
          expect(Math.abs((row[field.name] as Date).getTime() - before), where).toBeLessThan(60_000);
        } else {
          expect(row[field.name], where).toEqual(JSON.parse(field.default!));
        }
      }
    }
  });

  it('restricts deleting a team owner, and cascades deletes along relations', async () => {
    const g = graph('cascade');
    await seed(db.prisma, g);
    const exists = async (model: string) => {
      const c = g.find((x) => x.model === model)!;
      return (await delegate(db.prisma, model).findUnique({ where: whereOf(model, c.data) })) !== null;
    };
    const user = { id: 'user-cascade' };

    // Team.owner is onDelete: Restrict.
    expect(await prismaCode(db.prisma.user.delete({ where: user }))).toBe('P2003');
    expect(await exists('User')).toBe(true);

    await db.prisma.team.delete({ where: { id: 'team-cascade' } });
    for (const model of ['TeamMembership', 'TeamWorkspaceAssignment', 'AccessToken']) expect(await exists(model), model).toBe(false);
    expect(await exists('Workspace')).toBe(true);

    // Two levels: User -> Grant -> AuthorizationCode / RefreshToken.
    await db.prisma.user.delete({ where: user });
    for (const model of ['LocalCredential', 'Grant', 'AuthorizationCode', 'RefreshToken', 'PersonalToken']) {
      expect(await exists(model), model).toBe(false);
    }
    expect(await exists('Client')).toBe(true);
  });

  it('deletes a row of every model', async () => {
    for (const c of [...cases].reverse()) {
      await delegate(db.prisma, c.model).delete({ where: whereOf(c.model, c.data) });
      expect(await delegate(db.prisma, c.model).findUnique({ where: whereOf(c.model, c.data) }), c.model).toBeNull();
    }
  });
});
