// The floor: a bare node:http server doing only the work each endpoint cannot
// skip, on the same kind of SQLite file as Gatehouse (WAL, synchronous=NORMAL,
// the same driver), with prepared statements and no framework. Per request: read the form, authenticate the
// client (SHA-256 of the secret, one indexed lookup), SHA-256 the presented
// token and do one indexed lookup or one conditional UPDATE, sign or verify an
// ES256 JWT where the endpoint issues or checks one, store what it issues in
// the same transaction, answer JSON. Nothing else: no logging, no metrics.
//
// This file is both the adapter the runner calls (startFloor) and, forked, the server.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { forkServer, nextMessage, serveParent, stopProcess } from '../processes.ts';
import type { PkceCode, RunningServer, SeedCounts, Seeds, StartOptions } from '../types.ts';

const SELF = fileURLToPath(import.meta.url);
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const ACCESS_TTL = 900;

export async function startFloor(opts: StartOptions): Promise<RunningServer> {
  const child = forkServer(SELF, ['serve', String(opts.port), path.join(opts.dataDir, 'floor.db')], {}, path.join(opts.dataDir, 'floor.log'));
  await nextMessage(child, 'ready', 30_000, 'floor');
  child.send({ type: 'seed', counts: opts.counts });
  const { seeds } = await nextMessage(child, 'seeded', 120_000, 'floor seeding');
  return {
    name: 'floor',
    url: `http://127.0.0.1:${opts.port}`,
    paths: { metadata: '/.well-known/oauth-authorization-server', token: '/token', introspect: '/introspect', revoke: '/revoke', jwks: '/jwks' },
    seeds,
    pid: child.pid,
    stop: () => stopProcess(child),
  };
}

// ---------------------------------------------------------------------------
// The server (in the forked process)

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');
const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function openDatabase(file: string): Database.Database {
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  // As Gatehouse runs (the connection that switches a file to WAL would keep FULL).
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS client (id TEXT PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS code (id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
      code_challenge TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, redeemed_at INTEGER);
    CREATE TABLE IF NOT EXISTS refresh_token (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, scope TEXT NOT NULL,
      expires_at INTEGER NOT NULL, rotated_at INTEGER, revoked_at INTEGER);
    CREATE TABLE IF NOT EXISTS access_token (jti TEXT PRIMARY KEY, client_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
    CREATE TABLE IF NOT EXISTS personal_token (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL, expires_at INTEGER, revoked_at INTEGER);
  `);
  return db;
}

function serve(port: number, file: string): void {
  const db = openDatabase(file);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  const issuer = `http://127.0.0.1:${port}`;
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] });
  const metadata = JSON.stringify({
    issuer,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/introspect`,
    revocation_endpoint: `${issuer}/revoke`,
    jwks_uri: `${issuer}/jwks`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
  });

  const q = {
    client: db.prepare<[string], { id: string; secret_hash: string }>('SELECT id, secret_hash FROM client WHERE client_id = ?'),
    redeem: db.prepare<[number, string, number], { client_id: string; redirect_uri: string; code_challenge: string; scope: string }>(
      'UPDATE code SET redeemed_at = ? WHERE code_hash = ? AND redeemed_at IS NULL AND expires_at > ? RETURNING client_id, redirect_uri, code_challenge, scope',
    ),
    rotate: db.prepare<[number, string, number], { client_id: string; scope: string }>(
      'UPDATE refresh_token SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING client_id, scope',
    ),
    revoke: db.prepare<[number, string, string]>('UPDATE refresh_token SET revoked_at = ? WHERE token_hash = ? AND client_id = ? AND revoked_at IS NULL'),
    insertAccess: db.prepare('INSERT INTO access_token (jti, client_id, scope, expires_at) VALUES (?, ?, ?, ?)'),
    insertRefresh: db.prepare('INSERT INTO refresh_token (id, token_hash, client_id, scope, expires_at) VALUES (?, ?, ?, ?, ?)'),
    access: db.prepare<[string], { revoked_at: number | null; expires_at: number }>('SELECT revoked_at, expires_at FROM access_token WHERE jti = ?'),
    personal: db.prepare<[string], { user_id: string; expires_at: number | null; revoked_at: number | null }>('SELECT user_id, expires_at, revoked_at FROM personal_token WHERE token_hash = ?'),
  };

  const header = b64url(JSON.stringify({ alg: 'ES256', kid, typ: 'at+jwt' }));
  function signJwt(claims: Record<string, unknown>): string {
    const input = `${header}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }))}`;
  }
  function verifyJwt(token: string): Record<string, unknown> | null {
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) return null;
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return null;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 ? claims : null;
  }
  function issueAccess(clientId: string, subject: string, scope: string) {
    const jti = randomUUID();
    const iat = Math.floor(Date.now() / 1000);
    const token = signJwt({ iss: issuer, sub: subject, aud: issuer, client_id: clientId, scope, iat, exp: iat + ACCESS_TTL, jti });
    q.insertAccess.run(jti, clientId, scope, (iat + ACCESS_TTL) * 1000);
    return token;
  }
  function issueRefresh(clientId: string, scope: string) {
    const value = randomBytes(32).toString('base64url');
    q.insertRefresh.run(randomUUID(), sha256hex(value), clientId, scope, Date.now() + 30 * 86_400_000);
    return value;
  }

  /** client_secret_basic: the client's internal id, or null. */
  function authenticate(req: IncomingMessage): string | null {
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Basic ')) return null;
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    const row = id && secret ? q.client.get(decodeURIComponent(id)) : undefined;
    return row && row.secret_hash === sha256hex(decodeURIComponent(secret)) ? row.id : null;
  }

  const exchange = db.transaction((clientId: string, form: URLSearchParams) => {
    const code = q.redeem.get(Date.now(), sha256hex(form.get('code') ?? ''), Date.now());
    const verifier = form.get('code_verifier') ?? '';
    if (!code || code.client_id !== clientId || code.redirect_uri !== form.get('redirect_uri')) return null;
    if (createHash('sha256').update(verifier).digest('base64url') !== code.code_challenge) return null;
    return { access_token: issueAccess(clientId, 'user', code.scope), token_type: 'Bearer', expires_in: ACCESS_TTL, refresh_token: issueRefresh(clientId, code.scope), scope: code.scope };
  });
  const refresh = db.transaction((clientId: string, form: URLSearchParams) => {
    const token = q.rotate.get(Date.now(), sha256hex(form.get('refresh_token') ?? ''), Date.now());
    if (!token || token.client_id !== clientId) return null;
    return { access_token: issueAccess(clientId, 'user', token.scope), token_type: 'Bearer', expires_in: ACCESS_TTL, refresh_token: issueRefresh(clientId, token.scope), scope: token.scope };
  });

  function reply(res: ServerResponse, status: number, body: string | object): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.method === 'GET' && req.url === '/.well-known/oauth-authorization-server') return reply(res, 200, metadata);
    if (req.method === 'GET' && req.url === '/jwks') return reply(res, 200, jwks);
    if (req.method !== 'POST') return reply(res, 404, { error: 'not_found' });
    const form = new URLSearchParams(body);
    const clientId = authenticate(req);
    if (!clientId) return reply(res, 401, { error: 'invalid_client' });
    if (req.url === '/token') {
      const grant = form.get('grant_type');
      if (grant === 'client_credentials') return reply(res, 200, { access_token: issueAccess(clientId, clientId, 'mcp:tools'), token_type: 'Bearer', expires_in: ACCESS_TTL, scope: 'mcp:tools' });
      const issued = grant === 'authorization_code' ? exchange(clientId, form) : grant === 'refresh_token' ? refresh(clientId, form) : null;
      return issued ? reply(res, 200, issued) : reply(res, 400, { error: 'invalid_grant' });
    }
    if (req.url === '/introspect') {
      const token = form.get('token') ?? '';
      if (token.split('.').length === 3) {
        const claims = verifyJwt(token);
        const row = claims && q.access.get(String(claims.jti));
        return reply(res, 200, row && row.revoked_at === null ? { active: true, ...claims, token_type: 'Bearer' } : { active: false });
      }
      const row = q.personal.get(sha256hex(token));
      const active = row && row.revoked_at === null && (row.expires_at === null || row.expires_at > Date.now());
      return reply(res, 200, active ? { active: true, sub: row.user_id, token_type: 'Bearer', token_kind: 'personal_token' } : { active: false });
    }
    if (req.url === '/revoke') {
      q.revoke.run(Date.now(), sha256hex(form.get('token') ?? ''), clientId);
      return reply(res, 200, '');
    }
    return reply(res, 404, { error: 'not_found' });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        reply(res, 500, { error: 'server_error', error_description: (error as Error).message });
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => serveParent((counts) => Promise.resolve(seed(db, counts))));
}

/** One transaction of prepared inserts: the floor's seeding takes well under a second. */
function seed(db: Database.Database, counts: SeedCounts): Seeds {
  const clientId = `floor_${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  const expires = Date.now() + 3600_000;
  const codes: PkceCode[] = [];
  const refreshTokens = (n: number) => Array.from({ length: n }, () => randomBytes(32).toString('base64url'));
  const refresh = refreshTokens(counts.refresh);
  const revoke = refreshTokens(counts.revoke);
  const personal = `gh_pat_${randomBytes(32).toString('base64url')}`;
  db.transaction(() => {
    const internalId = randomUUID();
    db.prepare('INSERT INTO client (id, client_id, secret_hash) VALUES (?, ?, ?)').run(internalId, clientId, sha256hex(secret));
    const code = db.prepare('INSERT INTO code (id, code_hash, client_id, redirect_uri, code_challenge, scope, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < counts.codes; i++) {
      const value = randomBytes(32).toString('base64url');
      const verifier = randomBytes(32).toString('base64url');
      codes.push({ code: value, verifier });
      code.run(randomUUID(), sha256hex(value), internalId, REDIRECT_URI, createHash('sha256').update(verifier).digest('base64url'), 'mcp:tools offline_access', expires);
    }
    const rt = db.prepare('INSERT INTO refresh_token (id, token_hash, client_id, scope, expires_at) VALUES (?, ?, ?, ?, ?)');
    for (const value of [...refresh, ...revoke]) rt.run(randomUUID(), sha256hex(value), internalId, 'mcp:tools offline_access', expires);
    db.prepare('INSERT INTO personal_token (id, token_hash, user_id, expires_at) VALUES (?, ?, ?, ?)').run(randomUUID(), sha256hex(personal), 'user', expires);
  })();
  return { client: { id: clientId, secret }, redirectUri: REDIRECT_URI, resource: null, codes, refresh, revoke, personalToken: personal };
}

if (process.argv[1] === SELF && process.argv[2] === 'serve') serve(Number(process.argv[3]), process.argv[4]);

