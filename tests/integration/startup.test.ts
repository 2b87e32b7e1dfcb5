// `gatehouse serve` with a bad configuration stops at once with one line on
// stderr naming the problem (docs/configuration.md), never a stack
// trace; on PostgreSQL it refuses to start while migrations are pending.
// Every case here fails before Next.js would be started.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/gatehouse.mjs');
/** Far above the ~1–2 s it takes to load and fail; a hanging `serve` is killed here. */
const KILL_AFTER_MS = 15_000;

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number };

function serve(env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Stops quickly and non-zero, with exactly one non-empty line on stderr and no stack trace. */
function expectOneLineFailure(run: Run): string {
  expect(run.signal, 'serve was still running and had to be killed').toBeNull();
  expect(run.code).not.toBe(0);
  expect(run.ms).toBeLessThan(10_000);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, `stderr was:\n${run.stderr}`).toHaveLength(1);
  expect(run.stdout).not.toMatch(/listening/i);
  return lines[0];
}

describe('gatehouse serve refuses a bad configuration', () => {
  let dataDir: string;
  let base: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // Everything a valid run would write (the SQLite file, the generated secret) goes here.
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'gh-startup-'));
    base = { ...process.env };
    for (const name of Object.keys(base)) {
      if (name.startsWith('GATEHOUSE_') || name === 'DATABASE_URL' || name === 'PORT') delete base[name];
    }
    base.DATABASE_URL = `file:${path.join(dataDir, 'gatehouse.db')}`;
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // One after another: the time limit is part of what is tested.
  it.each([
    { case: 'an unsupported database', env: { DATABASE_URL: 'mysql://x' }, names: 'DATABASE_URL', says: /unsupported database "mysql"/ },
    { case: 'forward auth without a proxy secret', env: { GATEHOUSE_FORWARD_AUTH: 'true' }, names: 'GATEHOUSE_PROXY_SECRET', says: /required when GATEHOUSE_FORWARD_AUTH/ },
    { case: 'a misspelt variable', env: { GATEHOUSE_ISUER: 'https://x.example' }, names: 'GATEHOUSE_ISUER', says: /unknown variable/ },
    { case: 'a port that is not a number', env: { PORT: 'notaport' }, names: 'PORT', says: /./ },
  ])('$case', { timeout: 30_000 }, async ({ env, names, says }) => {
    const line = expectOneLineFailure(await serve({ ...base, ...env }));
    expect(line).toMatch(new RegExp(`\\b${names}\\b`));
    expect(line).toMatch(says);
    // Configuration is checked before anything is written.
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe('gatehouse serve on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
  });

  afterAll(() => db?.drop());

  it('refuses to start on an unmigrated database and says to run gatehouse migrate', { timeout: 30_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) {
      if (name.startsWith('GATEHOUSE_') || name === 'DATABASE_URL' || name === 'PORT') delete env[name];
    }
    env.DATABASE_URL = db.url;
    // Without it the secret would be generated into ./data of the repository.
    env.GATEHOUSE_SECRET = randomBytes(32).toString('base64url');
    const line = expectOneLineFailure(await serve(env));
    expect(line).toMatch(/pending migration/);
    expect(line).toMatch(/gatehouse migrate/);
  });
});
