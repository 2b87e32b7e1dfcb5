// The operator CLI (`node bin/gatehouse.mjs …`), run as a real child process
// against a throwaway database on both providers: migrations and the first
// signing key, the generated secret, key rotation and retirement, creating an
// administrator and an OAuth client, and how it fails.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, it, type TestContext } from 'vitest';
import { hashToken } from '../../lib/crypto.ts';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { sqliteFileOf } from '../../lib/server/db/url.ts';
import { applyMigrations, listMigrations } from '../../lib/server/db/migrate.ts';
import { verifyPassword } from '../../lib/server/auth/passwords.ts';
import { createTestDatabase, providers, type Provider, type TestDatabase } from '../helpers/databases.ts';
import { createClient, createUser, setClientTimes } from '../helpers/factories.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/gatehouse.mjs');

type Run = { code: number | null; stdout: string; stderr: string };

/**
 * The environment the CLI sees: this process's, minus anything that configures
 * Gatehouse, pointed at the test database. On PostgreSQL the secret would be
 * generated into ./data of the working directory (the repository), so it is
 * passed explicitly there; on SQLite it is generated next to the database file.
 */
function cliEnv(db: TestDatabase, secret: string | null, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('GATEHOUSE_') || name === 'DATABASE_URL') delete env[name];
  }
  env.DATABASE_URL = db.url;
  if (secret) env.GATEHOUSE_SECRET = secret;
  return { ...env, ...extra };
}

// The tests run concurrently (each has its own database), but at most two CLI
// processes at a time: each spends ~1.5 s of CPU loading TypeScript, and more
// of them than cores only makes every one slower.
const MAX_CLI_PROCESSES = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  while (running >= MAX_CLI_PROCESSES) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await spawnCli(args, env, input);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Only a guard against hangs (each CLI process is also killed after 60 s): a
// test's time includes waiting for a free CLI slot (see runCli) while others run.
const TIMEOUT = 300_000;

describe.concurrent.each(providers)('gatehouse CLI on %s', (provider: Provider) => {
  /** A fresh database, its CLI environment, and a lazily opened connection for checking rows. */
  async function setup(ctx: TestContext, opts: { migrated?: boolean } = {}) {
    const test = await createTestDatabase(provider);
    let db: Db | undefined;
    ctx.onTestFinished(async () => {
      await db?.close();
      await test.drop();
    });
    if (opts.migrated) await applyMigrations(test.url);
    const secret = provider === 'postgresql' ? randomBytes(32).toString('base64url') : null;
    return {
      test,
      env: (extra?: Record<string, string>) => cliEnv(test, secret, extra),
      db: () => (db ??= openDb(test.url)),
    };
  }

  it('migrate applies the migrations and creates the first signing key, once', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    const { test, env, db } = await setup(ctx);

    const first = await runCli(['migrate'], env());
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/error|\n\s+at /i);
    expect(first.stdout).toMatch(new RegExp(`applied ${listMigrations(provider).length} migration\\(s\\)`));
    expect(first.stdout).toMatch(/created the first signing key \S+/);

    let secretFile: string | null = null;
    let secretBefore: string | null = null;
    if (provider === 'sqlite') {
      secretFile = path.join(path.dirname(sqliteFileOf(test.url)), 'secret');
      expect(`${first.stdout}${first.stderr}`).toContain(`generated GATEHOUSE_SECRET into ${secretFile}`);
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      secretBefore = await readFile(secretFile, 'utf8');
      expect(secretBefore.trim().length).toBeGreaterThanOrEqual(32);
    }

    const second = await runCli(['migrate'], env());
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
    expect(second.stdout).not.toMatch(/applied [1-9]\d* migration/);
    expect(second.stdout).not.toMatch(/signing key/);
    expect(`${second.stdout}${second.stderr}`).not.toMatch(/generated GATEHOUSE_SECRET/);

    const keys = await db().prisma.signingKey.findMany();
    expect(keys).toHaveLength(1);
    expect(keys[0].status).toBe('active');
    expect(first.stdout).toContain(keys[0].kid);

    if (secretFile) expect(await readFile(secretFile, 'utf8')).toBe(secretBefore);
  });

  it('keys list, rotate (at once or staged), activate and retire; private keys are sealed at rest', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    const { env, db } = await setup(ctx, { migrated: true });

    const list1 = await runCli(['keys', 'list'], env());
    expect(list1.code).toBe(0);
    const rows1 = list1.stdout.split('\n').filter((l) => /\bES256\b/.test(l));
    expect(list1.stdout).toMatch(/^KID\s+ALG\s+STATUS\s+CREATED\s+LIVE TOKENS/m);
    expect(rows1).toHaveLength(1);
    expect(rows1[0]).toMatch(/\sactive\s/);
    const oldKid = rows1[0].split(/\s+/)[0];

    const rotate = await runCli(['keys', 'rotate'], env());
    const rotatedAt = Date.now();
    expect(rotate.code).toBe(0);
    const newKid = /now signing with (\S+?);/.exec(rotate.stdout)?.[1];
    expect(newKid).toBeTruthy();
    expect(newKid).not.toBe(oldKid);
    expect(rotate.stdout).toContain(`retiring ${oldKid}`);

    const list2 = await runCli(['keys', 'list'], env());
    expect(list2.code).toBe(0);
    const rows2 = list2.stdout.split('\n').filter((l) => /\bES256\b/.test(l));
    expect(rows2).toHaveLength(2);
    expect(rows2.find((r) => r.startsWith(`${newKid} `))).toMatch(/\sactive\s/);
    expect(rows2.find((r) => r.startsWith(`${oldKid} `))).toMatch(/\sretiring\s/);

    // Retiring keys stay published for an access-token lifetime (and the 5 s an
    // instance may keep a cached signer): with 1 second, once those have passed, the old key goes.
    await sleep(Math.max(0, rotatedAt + 6200 - Date.now()));
    const retire = await runCli(['keys', 'retire'], env({ GATEHOUSE_ACCESS_TOKEN_TTL: '1' }));
    expect(retire.code).toBe(0);
    expect(retire.stdout).toContain(`retired ${oldKid}`);

    // Staged: published first (pending), then made the signer; the previous signer retired early by kid.
    const staged = await runCli(['keys', 'rotate', '--stage'], env());
    expect(staged.code).toBe(0);
    const stagedKid = /published (\S+) in JWKS/.exec(staged.stdout)?.[1];
    expect(stagedKid).toBeTruthy();
    expect((await runCli(['keys', 'list'], env())).stdout.split('\n').find((r) => r.startsWith(`${stagedKid} `))).toMatch(/\spending\s/);
    const activate = await runCli(['keys', 'activate', `--kid=${stagedKid}`], env());
    expect(activate.code).toBe(0);
    expect(activate.stdout).toContain(`now signing with ${stagedKid}; retiring ${newKid}`);
    const early = await runCli(['keys', 'retire', `--kid=${newKid}`], env());
    expect(early.code).toBe(0);
    expect(early.stdout).toContain(`retired ${newKid}`);

    const keys = await db().prisma.signingKey.findMany();
    expect(Object.fromEntries(keys.map((k) => [k.kid, k.status]))).toEqual({ [oldKid]: 'retired', [newKid!]: 'retired', [stagedKid!]: 'active' });
    for (const key of keys) {
      expect(key.privateKeyEnc).not.toContain('"d":');
      expect(key.privateKeyEnc).not.toContain('"d"');
      expect(() => JSON.parse(key.privateKeyEnc)).toThrow();
      expect(key.publicJwk).not.toContain('"d"');
    }
  });

  it('admin create makes an administrator with an argon2id password, and refuses bad input', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    const { env, db } = await setup(ctx, { migrated: true });
    const password = 'correct horse battery staple';

    const ok = await runCli(['admin', 'create', '--email', 'Root@Example.com', '--password-stdin'], env(), `${password}\n`);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toMatch(/error|\n\s+at /i);
    expect(ok.stdout).toMatch(/created administrator root@example\.com/);
    expect(ok.stdout).not.toContain(password);

    const user = await db().prisma.user.findUniqueOrThrow({ where: { email: 'root@example.com' }, include: { credential: true } });
    expect(user).toMatchObject({ isAdmin: true, username: 'root', disabled: false });
    expect(user.credential?.passwordHash.startsWith('$argon2id$')).toBe(true);
    expect(user.credential?.passwordHash).not.toContain(password);
    // The trailing newline from stdin is not part of the password.
    expect(await verifyPassword(user.credential!.passwordHash, password)).toBe(true);

    const short = await runCli(['admin', 'create', '--email', 'short@example.com', '--password-stdin'], env(), 'tooshort\n');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/password must have at least 12 characters/);
    expect(short.stderr).not.toMatch(/\n\s+at /);
    expect(await db().prisma.user.findUnique({ where: { email: 'short@example.com' } })).toBeNull();
    expect(await db().prisma.user.count()).toBe(1);
    expect(await db().prisma.localCredential.count()).toBe(1);

    const noEmail = await runCli(['admin', 'create', '--password-stdin'], env(), `${password}\n`);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toMatch(/admin create/);
    expect(noEmail.stderr).toMatch(/--email/);
    expect(await db().prisma.user.count()).toBe(1);
  });

  it('client create prints the secret once and stores only its hash', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    // Not migrated beforehand: on SQLite the first command migrates on its own,
    // and --json output must stay one JSON document even then.
    const { env, db } = await setup(ctx, { migrated: provider === 'postgresql' });
    const args = ['client', 'create', '--name', 'Docs', '--redirect-uri', 'https://app.example.com/cb', '--confidential', '--json'];

    const first = await runCli(args, env());
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(created).toMatchObject({ name: 'Docs', redirect_uris: ['https://app.example.com/cb'], token_endpoint_auth_method: 'client_secret_basic' });
    expect(created.client_id).toMatch(/^ghc_/);
    expect(created.client_secret).toMatch(/^gh_cs_[A-Za-z0-9_-]{40,}$/);

    const row = await db().prisma.client.findUniqueOrThrow({ where: { clientId: created.client_id as string } });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).toBe(hashToken(created.client_secret as string));
    expect(JSON.stringify(row)).not.toContain(created.client_secret as string);

    const second = await runCli(args, env());
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout) as Record<string, unknown>;
    expect(again.client_id).not.toBe(created.client_id);
    expect(again.client_secret).not.toBe(created.client_secret);

    const human = await runCli(args.slice(0, -1), env());
    expect(human.code).toBe(0);
    const secretLines = human.stdout.split('\n').filter((l) => l.includes('gh_cs_'));
    expect(secretLines).toHaveLength(1);
    expect(secretLines[0]).toMatch(/shown once/);

    const evil = await runCli(['client', 'create', '--name', 'X', '--redirect-uri', 'http://evil.example/cb'], env());
    expect(evil.code).not.toBe(0);
    expect(evil.stderr).toMatch(/redirect URI http:\/\/evil\.example\/cb/);
    expect(evil.stderr).toMatch(/https/);

    const bogus = await runCli(['client', 'create', '--name', 'X', '--redirect-uri', 'https://app.example.com/cb', '--grant', 'bogus'], env());
    expect(bogus.code).not.toBe(0);
    expect(bogus.stderr).toMatch(/grant must be one of/);

    const publicIntrospect = await runCli(['client', 'create', '--name', 'X', '--redirect-uri', 'https://app.example.com/cb', '--introspect'], env());
    expect(publicIntrospect.code).not.toBe(0);
    expect(publicIntrospect.stderr).toMatch(/introspection need.* confidential/);

    for (const failed of [evil, bogus, publicIntrospect]) {
      expect(failed.stderr).not.toMatch(/\n\s+at /);
      expect(failed.stdout).not.toContain('gh_cs_');
    }
    expect(await db().prisma.client.count()).toBe(3);
  });

  it('client create --jwks-file / --jwks-uri makes a key-based client (private_key_jwt) and never prints a secret', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    const { env, db } = await setup(ctx, { migrated: true });
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-jwks-'));
    const file = path.join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));

    const made = await runCli(['client', 'create', '--name', 'CI', '--jwks-file', file, '--json'], env());
    expect(made.code, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout) as Record<string, unknown>;
    expect(created).toMatchObject({ name: 'CI', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] });
    expect(created).not.toHaveProperty('client_secret');
    const row = await db().prisma.client.findUniqueOrThrow({ where: { clientId: created.client_id as string } });
    expect(row.secretHash).toBeNull();
    expect(JSON.parse(row.jwks!)).toMatchObject({ keys: [{ kid: 'k1', kty: 'EC' }] });

    const byUri = await runCli(['client', 'create', '--name', 'Agent', '--jwks-uri', 'https://agent.example/jwks.json'], env());
    expect(byUri.code, byUri.stderr).toBe(0);
    expect(byUri.stdout).toMatch(/private_key_jwt \(keys at https:\/\/agent\.example\/jwks\.json; no secret\)/);
    expect(byUri.stdout).not.toContain('gh_cs_');

    writeFileSync(file, JSON.stringify({ keys: [await exportJWK(privateKey)] }));
    const leaked = await runCli(['client', 'create', '--name', 'X', '--jwks-file', file], env());
    expect(leaked.code).toBe(2);
    expect(leaked.stderr).toMatch(/must be a public key: remove the private member d/);
    const unreadable = await runCli(['client', 'create', '--name', 'X', '--jwks-file', path.join(dir, 'missing.json')], env());
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/cannot read --jwks-file/);
    expect(await db().prisma.client.count()).toBe(2);
  });

  it('client create --dpop-bound makes a client that must use DPoP-bound tokens (RFC 9449 §5.2)', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    const { env, db } = await setup(ctx, { migrated: true });
    const made = await runCli(['client', 'create', '--name', 'Bound agent', '--confidential', '--dpop-bound', '--json'], env());
    expect(made.code, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout) as Record<string, unknown>;
    expect(created).toMatchObject({ name: 'Bound agent', dpop_bound_access_tokens: true, grant_types: ['client_credentials'] });
    // What the token endpoint reads (lib/oauth/token-endpoint.ts).
    const row = await db().prisma.client.findUniqueOrThrow({ where: { clientId: created.client_id as string } });
    expect(JSON.parse(row.metadata)).toEqual({ dpop_bound_access_tokens: true });

    const human = await runCli(['client', 'create', '--name', 'Bound app', '--redirect-uri', 'https://app.example.com/cb', '--dpop-bound'], env());
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/DPoP: +required/);
    const app = await db().prisma.client.findFirstOrThrow({ where: { name: 'Bound app' } });
    expect(JSON.parse(app.metadata)).toEqual({ dpop_bound_access_tokens: true });
  });

  it('clients prune deletes unused dynamic clients without a live grant; --dry-run only counts', { timeout: TIMEOUT }, async (ctx) => {
    const { expect } = ctx;
    const { env, db } = await setup(ctx, { migrated: true });
    const old = new Date(Date.now() - 40 * 86_400_000);
    const stale = await createClient(db(), { source: 'dynamic' });
    await setClientTimes(db(), stale.id, { createdAt: old, lastUsedAt: old });
    const held = await createClient(db(), { source: 'dynamic' });
    await setClientTimes(db(), held.id, { createdAt: old, lastUsedAt: null });
    const user = await createUser(db());
    await db().prisma.grant.create({ data: { id: randomUUID(), userId: user.id, clientId: held.id, scope: 'mcp:tools' } });
    const fresh = await createClient(db(), { source: 'dynamic' });

    const dry = await runCli(['clients', 'prune', '--idle', '30d', '--dry-run'], env());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^1 dynamic client unused for 30d and without a live grant would be pruned \(dry run/m);
    expect(await db().prisma.client.count()).toBe(3);

    const bad = await runCli(['clients', 'prune', '--idle', 'a month'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--idle "a month" is not a duration/);
    const missing = await runCli(['clients', 'prune'], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --idle/);

    const run = await runCli(['clients', 'prune', '--idle', '30d'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/pruned 1 dynamic client unused for 30d/);
    const left = (await db().prisma.client.findMany({ select: { id: true } })).map((c) => c.id).sort();
    expect(left).toEqual([held.id, fresh.id].sort());
    const events = await db().prisma.auditEvent.findMany({ where: { action: 'client.pruned' } });
    expect(events.map((e) => [e.targetId, e.actorType, e.actorLabel])).toEqual([[stale.clientId, 'system', 'cli']]);
  });
});

// Fails before any configuration or database is looked at, so once is enough.
it('an unknown command exits 2 with the usage on stderr', { timeout: TIMEOUT }, async ({ expect, onTestFinished }) => {
  const test = await createTestDatabase('sqlite');
  onTestFinished(() => test.drop());
  const run = await runCli(['frobnicate'], cliEnv(test, null));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/unknown command "frobnicate"/);
  expect(run.stderr).toMatch(/usage: gatehouse <command>/);
  expect(run.stdout).toBe('');
});
