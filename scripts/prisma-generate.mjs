#!/usr/bin/env node
// Generates the PostgreSQL schema from prisma/schema.prisma (the one model
// definition) and both Prisma clients. `--check` only verifies that the
// committed PostgreSQL schema matches what would be generated; `--clients`
// generates only the clients, from the schemas as committed (npm install,
// npm test), so it never hides a stale PostgreSQL schema from `--check`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sqliteSchema = path.join(root, 'prisma/schema.prisma');
const postgresSchema = path.join(root, 'prisma/postgresql/schema.prisma');

export function derivePostgresSchema(source) {
  const header =
    '// GENERATED from prisma/schema.prisma by scripts/prisma-generate.mjs — do not edit.\n';
  const out = source
    .replace(/provider = "sqlite"/, 'provider = "postgresql"')
    .replace('output       = "../lib/server/db/generated/sqlite"', 'output       = "../../lib/server/db/generated/postgresql"');
  if (out === source || !out.includes('generated/postgresql')) {
    throw new Error('prisma/schema.prisma: could not find the sqlite provider or client output line');
  }
  return header + out;
}

function engineMissing() {
  const dir = path.join(root, 'node_modules/@prisma/engines');
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return false;
  return !existsSync(dir) || !readdirSync(dir).some((f) => f.startsWith('schema-engine'));
}

const expected = derivePostgresSchema(readFileSync(sqliteSchema, 'utf8'));

if (process.argv.includes('--check')) {
  const actual = existsSync(postgresSchema) ? readFileSync(postgresSchema, 'utf8') : '';
  if (actual !== expected) {
    console.error('prisma/postgresql/schema.prisma is out of date: run `npm run db:generate`');
    process.exit(1);
  }
  console.log('prisma schemas agree');
  process.exit(0);
}

if (!process.argv.includes('--clients')) {
  mkdirSync(path.dirname(postgresSchema), { recursive: true });
  writeFileSync(postgresSchema, expected);
}

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
// `prisma generate` does not run the schema engine, it only checks it exists.
if (engineMissing()) env.PRISMA_SCHEMA_ENGINE_BINARY = '/bin/true';

for (const schema of [sqliteSchema, postgresSchema]) {
  process.stdout.write(`generating Prisma client for ${path.relative(root, schema)} … `);
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', schema], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    console.log('failed');
    console.error(run.stdout, run.stderr);
    process.exit(1);
  }
  console.log('done');
}
