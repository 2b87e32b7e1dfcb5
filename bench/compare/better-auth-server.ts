// better-auth 1.7.5 with @better-auth/oauth-provider on a SQLite file: what a
// Next.js team would set up instead of Gatehouse. Lives here, beside its own
// package.json, because better-auth installs only with legacy peer
// dependencies. Forked by bench/protocol/servers/better-auth.ts.
//
// Configured like Gatehouse as far as it goes: client credentials, refresh
// (rotated), introspection and revocation; the jwt plugin signs access tokens
// issued for a resource (RFC 8707) with ES256; tokens and client secrets are
// stored hashed (its defaults); its rate limits are off. Its schema comes from
// its own migrations, run programmatically at start.
//
// Seeding goes through better-auth's own persistence API: its internal adapter
// for the user, session and authorization codes (verification values, as its
// /oauth2/authorize stores them), the admin endpoint for the client, and its
// adapter for refresh tokens (as its token endpoint stores them).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import { oauthProvider, oauthProviderAuthServerMetadata } from '@better-auth/oauth-provider';
import { serveParent } from '../protocol/processes.ts';
import type { PkceCode, SeedCounts, Seeds } from '../protocol/types.ts';

const REDIRECT_URI = 'https://app.example.com/callback';
const RESOURCE = 'https://mcp.example.com/';
const SCOPES = ['openid', 'offline_access', 'mcp:tools'];

/** better-auth's default hash for stored tokens: SHA-256, base64url without padding. */
const storedHash = (value: string) => createHash('sha256').update(value).digest('base64url');

async function serve(port: number, file: string): Promise<void> {
  const database = new Database(file, { timeout: 5000 });
  database.pragma('journal_mode = WAL');
  const baseURL = `http://127.0.0.1:${port}`;
  const options = {
    baseURL,
    secret: randomBytes(32).toString('base64url'),
    database,
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    logger: { level: 'error' as const },
    plugins: [
      jwt({ jwks: { keyPairConfig: { alg: 'ES256' as const } } }),
      oauthProvider({
        loginPage: '/login',
        consentPage: '/consent',
        scopes: SCOPES,
        resources: [RESOURCE],
        accessTokenExpiresIn: 900,
        allowDynamicClientRegistration: false,
        // Who may create clients with client_credentials scopes: the seeding administrator.
        clientPrivileges: ({ user }: { user: { email: string } }) => user.email.startsWith('bench-admin-'),
        rateLimit: { token: false, authorize: false, introspect: false, revoke: false, register: false, userinfo: false },
      }),
    ],
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const auth = betterAuth(options);

  async function seed(counts: SeedCounts): Promise<Seeds> {
    const ctx = await auth.$context;
    // A signed-up user with a session: creating a client needs one.
    const signUp = await auth.api.signUpEmail({ body: { email: `bench-admin-${randomBytes(6).toString('hex')}@example.com`, password: randomBytes(16).toString('hex'), name: 'bench' }, returnHeaders: true });
    const headers = new Headers({ cookie: signUp.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') });
    const signedIn = await auth.api.getSession({ headers });
    if (!signedIn) throw new Error('no session after sign-up');
    const { user, session } = signedIn;
    const client = (await auth.api.adminCreateOAuthClient({
      headers,
      body: {
        client_name: 'bench',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        client_credentials_scopes: ['mcp:tools'],
        scope: SCOPES.join(' '),
        skip_consent: true,
      },
    })) as { client_id: string; client_secret: string };

    // Tokens for the resource are issued only to clients linked to it.
    await auth.api.adminLinkClientResource({ headers, params: { identifier: RESOURCE, client_id: client.client_id } });

    const now = Date.now();
    const expiresAt = new Date(now + 3600_000);
    const scope = 'offline_access mcp:tools';
    const codes: PkceCode[] = [];
    for (let i = 0; i < counts.codes; i++) {
      const code = randomBytes(24).toString('base64url');
      const verifier = randomBytes(32).toString('base64url');
      codes.push({ code, verifier });
      const query = { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT_URI, scope, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource: RESOURCE };
      await ctx.internalAdapter.createVerificationValue({
        identifier: storedHash(code),
        value: JSON.stringify({ type: 'authorization_code', query, userId: user.id, sessionId: session.id, authTime: now, resource: [RESOURCE] }),
        expiresAt,
        createdAt: new Date(now),
        updatedAt: new Date(now),
      });
    }
    const refreshTokens = async (n: number) => {
      const values: string[] = [];
      for (let i = 0; i < n; i++) {
        const value = randomBytes(24).toString('base64url');
        values.push(value);
        await ctx.adapter.create({
          model: 'oauthRefreshToken',
          data: { token: storedHash(value), clientId: client.client_id, sessionId: session.id, userId: user.id, authTime: new Date(now), scopes: scope.split(' '), resources: [RESOURCE], createdAt: new Date(now), expiresAt },
        });
      }
      return values;
    };
    return {
      client: { id: client.client_id, secret: client.client_secret },
      redirectUri: REDIRECT_URI,
      resource: RESOURCE,
      codes,
      refresh: await refreshTokens(counts.refresh),
      revoke: await refreshTokens(counts.revoke),
      personalToken: null,
    };
  }

  // The metadata endpoint is server-only in better-auth: an application
  // publishes it at the root through this helper (a Next.js route handler).
  const metadata = oauthProviderAuthServerMetadata(auth);
  const handler = toNodeHandler(auth);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/.well-known/oauth-authorization-server') return void handler(req, res);
    metadata(new Request(`${baseURL}${req.url}`)).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    }, (error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => serveParent(seed));
}

if (process.argv[2] === 'serve') void serve(Number(process.argv[3]), process.argv[4]);
