// A Gatehouse protocol server for integration tests: the real node:http
// adapters (lib/server/http/*) over a real, migrated database, without Next.js.
//
//   const server = await startProtocolServer({ provider: 'sqlite' });
//   const second = await startProtocolServer({ url: server.databaseUrl, issuer: server.issuer, db: server.db }); // another instance
//   ...
//   await second.stop(); await server.stop();
//
// Routing is http-server.ts's minus Next.js: the client address stamped, then
// handleProtocolRequest (which applies a route's rate limit even to the methods
// Next.js serves); GET|HEAD /oauth/authorize → handleAuthorizeGet; the rest →
// 404 JSON. Where the real server would hand the authorize request to the Next.js
// consent page, this one answers 200 with `X-Harness: consent-page` (see
// authorizeThroughConsent, which then builds the page's consent ticket itself).
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { encodeSessionToken, sessionCookieName } from '../../lib/server/auth/session-token.ts';
import type { AppContext } from '../../lib/server/context.ts';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { applyMigrations } from '../../lib/server/db/migrate.ts';
import { ensureBuiltInScopes } from '../../lib/server/db/scopes.ts';
import type { User } from '../../lib/server/db/users.ts';
import { handleAuthorizeGet } from '../../lib/server/http/authorize.ts';
import { handleProtocolRequest } from '../../lib/server/http/protocol-routes.ts';
import type { RateLimiter } from '../../lib/server/http/rate-limit.ts';
import { stampClientAddress } from '../../lib/server/runtime/client-address.ts';
import { ensureActiveSigningKey } from '../../lib/server/keys/signing-keys.ts';
import { createConsentTicket } from '../../lib/server/oauth/consent-ticket.ts';
import { createTestDatabase, type Provider, type TestDatabase } from './databases.ts';
import { createUser as createUserRow } from './factories.ts';

/** Fixed, so that every instance on one database can open what the others sealed. */
export const TEST_SECRET = 'gatehouse-test-secret-0123456789abcdefgh';

export const CONSENT_PAGE_HEADER = 'x-harness';

export type ProtocolServer = {
  /** http://127.0.0.1:<port>, where this instance listens. */
  url: string;
  /** The configured issuer: `url`, or the one shared with other instances. */
  issuer: string;
  app: AppContext;
  db: Db;
  provider: Provider;
  /** The DATABASE_URL; give it to a second instance. */
  databaseUrl: string;
  /** Errors that escaped the adapters (the real server would answer 500 for them). */
  unhandledErrors: Error[];
  /** fetch relative to the server, never following redirects. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
};

export type StartOptions = ({ provider: Provider } | { url: string; db?: Db; issuer?: string }) & {
  /** Extra configuration (GATEHOUSE_REFRESH_REUSE_GRACE, …); it wins over the harness defaults. */
  env?: Record<string, string>;
  /** Appended to the server's URL to make the issuer, e.g. `/tenant` (RFC 8414 §3.1 path-inserted metadata). */
  issuerPath?: string;
  /** The rate limiter to count with (e.g. Redis under a key prefix of the test's own); else the configured one. */
  rateLimiter?: RateLimiter;
};

/**
 * Starts a server on 127.0.0.1 on a free port. With `provider` it creates a
 * fresh database (dropped by stop()); with `url` it joins an existing one as
 * another instance. The issuer is the server's own URL unless `issuer` is given:
 * instances behind one load balancer share the issuer (tokens carry it, and
 * each instance only accepts its own), so pass the first instance's.
 * `db` shares a connection instead of opening one: on SQLite two connections
 * to one file inside one process can stall each other's transactions until
 * busy_timeout (better-sqlite3 waits for locks synchronously, blocking the
 * event loop; see oauth-store.ts), so a second SQLite instance in the same
 * test process should share the first one's.
 */
export async function startProtocolServer(options: StartOptions): Promise<ProtocolServer> {
  let database: TestDatabase | null = null;
  let databaseUrl: string;
  let provider: Provider;
  if ('provider' in options) {
    database = await createTestDatabase(options.provider);
    databaseUrl = database.url;
    provider = options.provider;
  } else {
    databaseUrl = options.url;
    provider = databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql';
  }
  await applyMigrations(databaseUrl);
  const sharedDb = 'db' in options && options.db ? options.db : null;
  const db = sharedDb ?? openDb(databaseUrl);
  await ensureBuiltInScopes(db);
  await ensureActiveSigningKey(db, TEST_SECRET);

  const unhandledErrors: Error[] = [];
  let app: AppContext | null = null;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!app) throw new Error('the harness is not configured yet');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // A request-target such as `//@/x` is no URL. NOTE: http-server.ts parses
      // it the same way without this guard and answers 500 (reported).
      return sendJsonError(res, 400, 'invalid_request', 'the request target is not a valid path');
    }
    stampClientAddress(req, app.config.trustedProxies);
    // Answered here unless it is a method Next.js serves (after the route's rate limit).
    if (await handleProtocolRequest(req, res, app, url)) return;
    if (url.pathname === '/oauth/authorize' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (await handleAuthorizeGet(req, res, app, url)) return;
      // The real server renders the Next.js consent page here.
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', [CONSENT_PAGE_HEADER]: 'consent-page' });
      res.end('consent page');
      return;
    }
    sendJsonError(res, 404, 'not_found', 'no such endpoint in the test harness');
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      unhandledErrors.push(error as Error);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('unhandled error');
      } else res.end();
    });
  });
  // The issuer names the port, so listen first and configure after.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const issuer = ('issuer' in options && options.issuer) || `${url}${options.issuerPath ?? ''}`;
  const config = parseConfig({
    DATABASE_URL: databaseUrl,
    GATEHOUSE_SECRET: TEST_SECRET,
    GATEHOUSE_ISSUER: issuer,
    GATEHOUSE_RATE_LIMITS: 'false',
    ...options.env,
  });
  app = { config, db, secret: config.secret!, ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}) };

  let stopped = false;
  return {
    url,
    issuer,
    app,
    db,
    provider,
    databaseUrl,
    unhandledErrors,
    fetch: (path, init = {}) => fetch(new URL(path, `${url}/`), { redirect: 'manual', ...init }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (!sharedDb) await db.close();
      await database?.drop();
    },
  };
}

function sendJsonError(res: ServerResponse, status: number, error: string, description: string): void {
  const body = JSON.stringify({ error, error_description: description });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// ---------------------------------------------------------------------------
// Users and sessions

/** A user row (forward-auth style, active). */
export function createUser(target: ProtocolServer | Db, overrides: Parameters<typeof createUserRow>[1] = {}): Promise<User> {
  return createUserRow('app' in target ? target.db : target, overrides);
}

/** The `Cookie` header value of a browser signed in as `user`: just the session cookie. */
export async function signInCookie(app: AppContext, user: Pick<User, 'id' | 'email' | 'name'>): Promise<string> {
  const token = await encodeSessionToken({ sub: user.id, email: user.email, name: user.name ?? null, via: 'local' }, app.secret);
  return `${sessionCookieName(app.config.issuer)}=${token}`;
}

// ---------------------------------------------------------------------------
// PKCE and forms

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** POSTs an application/x-www-form-urlencoded body; arrays repeat the parameter. */
export function postForm(
  server: Pick<ProtocolServer, 'fetch'>,
  path: string,
  params: Record<string, string | string[] | undefined>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) body.append(name, v);
  }
  return server.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  });
}

// ---------------------------------------------------------------------------
// The authorization step, as a signed-in browser would go through it

export type AuthorizeParams = {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope?: string;
  state?: string;
  resource?: string;
  /** RFC 9449 §10: bind the code to this DPoP key thumbprint. */
  dpopJkt?: string;
  /** Workspace keys ticked on the consent page. */
  workspaces?: string[];
};

/**
 * GET /oauth/authorize as the signed-in user; when the consent page would be
 * shown, answers it with Allow (through POST /oauth/authorize/decision, with
 * the page's ticket and a same-origin Origin). Returns the code from the 303.
 */
export async function authorizeThroughConsent(
  server: ProtocolServer,
  user: Pick<User, 'id' | 'email' | 'name'>,
  params: AuthorizeParams,
): Promise<{ code: string; location: URL; consented: boolean }> {
  const search = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
    ...(params.scope !== undefined ? { scope: params.scope } : {}),
    ...(params.state !== undefined ? { state: params.state } : {}),
    ...(params.dpopJkt !== undefined ? { dpop_jkt: params.dpopJkt } : {}),
  });
  if (params.resource) search.append('resource', params.resource);
  const cookie = await signInCookie(server.app, user);

  const page = await server.fetch(`/oauth/authorize?${search}`, { headers: { cookie } });
  let response = page;
  const consented = page.status === 200 && page.headers.get(CONSENT_PAGE_HEADER) === 'consent-page';
  if (consented) {
    await page.arrayBuffer();
    const ticket = createConsentTicket(server.app.secret, user.id, search);
    response = await postForm(
      server,
      '/oauth/authorize/decision',
      { ticket, decision: 'allow', workspace: params.workspaces ?? [] },
      { cookie, origin: server.issuer },
    );
  }
  const text = await response.text();
  expect(response.status, `authorize answered ${response.status}: ${text.slice(0, 300)}`).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(location.searchParams.get('error'), location.href).toBeNull();
  expect(location.searchParams.get('iss')).toBe(server.issuer);
  if (params.state !== undefined) expect(location.searchParams.get('state')).toBe(params.state);
  const code = location.searchParams.get('code');
  expect(code).toBeTruthy();
  return { code: code!, location, consented };
}

/**
 * The whole authorization-code grant for a public client: a fresh PKCE pair,
 * consent as the signed-in user, and the code redeemed at /oauth/token (with
 * the same `resource`, RFC 8707). Returns the token response, checked to be 200.
 */
export async function consentAndRedeem<T = { access_token: string; refresh_token: string }>(
  server: ProtocolServer,
  user: Pick<User, 'id' | 'email' | 'name'>,
  params: Omit<AuthorizeParams, 'codeChallenge'>,
): Promise<T> {
  const pkce = pkcePair();
  const { code } = await authorizeThroughConsent(server, user, { ...params, codeChallenge: pkce.challenge });
  const response = await postForm(server, '/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: params.redirectUri,
    code_verifier: pkce.verifier,
    client_id: params.clientId,
    resource: params.resource,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

// ---------------------------------------------------------------------------
// Errors shown before anything goes back to a self-registered client

/**
 * An authorization error answered with a Gatehouse page instead of a redirect
 * (RFC 9700 §4.11.2): checks it is a 400 page without Location, and returns the
 * page's text and the URL its "Return to …" link leads to.
 */
export async function confirmationPage(response: Response): Promise<{ html: string; returnTo: URL }> {
  const html = await response.text();
  expect(response.status, html.slice(0, 300)).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  const href = /<a href="([^"]*)"[^>]*>Return to /.exec(html)?.[1];
  expect(href, 'the page has a link back to the application').toBeTruthy();
  return { html, returnTo: new URL(href!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))) };
}
