// node-oidc-provider 9 (the root devDependency) configured like Gatehouse as far
// as it goes: client credentials, introspection and revocation on; resource
// indicators so that tokens for the resource are ES256 JWT access tokens;
// PKCE required; refresh tokens rotated on every use. Storage is an in-memory
// Map adapter (its bundled memory adapter is an LRU of 1,000 entries, which
// would evict the seeded codes). Codes, grants and refresh tokens are created
// through the provider's own models.
//
// Its JWT access tokens are self-contained (not stored), so it cannot
// introspect them: the introspection row uses an opaque access token of the
// same grant, its closest equivalent.
//
// This file is both the adapter the runner calls and, forked, the server.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkServer, nextMessage, serveParent, stopProcess } from '../processes.ts';
import type { PkceCode, RunningServer, SeedCounts, Seeds, StartOptions } from '../types.ts';

const SELF = fileURLToPath(import.meta.url);
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const RESOURCE = 'https://mcp.example.com/';
const CLIENT_ID = 'bench-client';

export async function startOidcProvider(opts: StartOptions): Promise<RunningServer> {
  const child = forkServer(SELF, ['serve', String(opts.port)], {}, path.join(opts.dataDir, 'oidc-provider.log'));
  await nextMessage(child, 'ready', 30_000, 'oidc-provider');
  child.send({ type: 'seed', counts: opts.counts });
  const { seeds } = await nextMessage(child, 'seeded', 120_000, 'oidc-provider seeding');
  return {
    name: 'oidc-provider',
    url: `http://127.0.0.1:${opts.port}`,
    paths: { metadata: '/.well-known/openid-configuration', token: '/token', introspect: '/token/introspection', revoke: '/token/revocation', jwks: '/jwks' },
    seeds,
    pid: child.pid,
    stop: () => stopProcess(child),
  };
}

// ---------------------------------------------------------------------------
// The server (in the forked process)

type Payload = Record<string, unknown>;
type Saveable = { save(): Promise<string> };
type Model<T = Saveable> = new (init: Payload) => T;
/** The part of node-oidc-provider's API used here (it ships no types). */
type BenchProvider = {
  callback(): http.RequestListener;
  Grant: Model<Saveable & { addOIDCScope(s: string): void; addResourceScope(r: string, s: string): void }>;
  AuthorizationCode: Model;
  RefreshToken: Model;
  AccessToken: Model;
  Client: { find(id: string): Promise<unknown> };
};

/** A Map per process, entries kept until they expire, with an index by grant (as its bundled adapter keeps). */
function memoryAdapter() {
  const store = new Map<string, { payload: Payload; expiresAt: number }>();
  const byGrant = new Map<string, Set<string>>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    else return entry;
    return undefined;
  };
  return class MapAdapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: Payload, expiresIn?: number) {
      const key = `${this.model}:${id}`;
      store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
      if (typeof payload.grantId === 'string') {
        const keys = byGrant.get(payload.grantId) ?? new Set<string>();
        byGrant.set(payload.grantId, keys.add(key));
      }
    }
    async find(id: string) {
      return live(`${this.model}:${id}`)?.payload;
    }
    async findByUid() {
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const entry = live(`${this.model}:${id}`);
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(`${this.model}:${id}`);
    }
    async revokeByGrantId(grantId: string) {
      for (const key of byGrant.get(grantId) ?? []) store.delete(key);
      byGrant.delete(grantId);
    }
  };
}

async function serve(port: number): Promise<void> {
  // It warns on every Node.js that is not its preferred LTS; it runs on this one.
  const warn = console.warn;
  console.warn = () => {};
  const Provider = (await import('oidc-provider')).default as unknown as new (issuer: string, config: Payload) => BenchProvider;
  console.warn = warn;

  const secret = randomBytes(32).toString('base64url');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: secret,
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
        scope: 'openid offline_access mcp:tools',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'offline_access', 'mcp:tools'],
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId }) }),
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(g: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: 900, ClientCredentials: 900, AuthorizationCode: 3600, RefreshToken: 30 * 86400, Grant: 30 * 86400, Interaction: 3600, Session: 86400, IdToken: 900 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'mcp:tools', audience: RESOURCE, accessTokenTTL: 900, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  });

  async function seed(counts: SeedCounts): Promise<Seeds> {
    const accountId = 'bench-user';
    const client = await provider.Client.find(CLIENT_ID);
    // A grant per credential, as each would come from its own authorization:
    // revoking a refresh token (or replaying a code) revokes its whole grant here.
    const newGrant = async () => {
      const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
      grant.addOIDCScope('offline_access');
      grant.addResourceScope(RESOURCE, 'mcp:tools');
      return { accountId, client, grantId: await grant.save(), scope: 'offline_access mcp:tools' };
    };

    const codes: PkceCode[] = [];
    for (let i = 0; i < counts.codes; i++) {
      const verifier = randomBytes(32).toString('base64url');
      const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
      const code = await new provider.AuthorizationCode({ ...(await newGrant()), redirectUri: REDIRECT_URI, codeChallenge, codeChallengeMethod: 'S256', resource: RESOURCE }).save();
      codes.push({ code, verifier });
    }
    const refreshTokens = async (n: number) => {
      const values: string[] = [];
      for (let i = 0; i < n; i++) values.push(await new provider.RefreshToken({ ...(await newGrant()), resource: RESOURCE, gty: 'authorization_code', rotations: 0 }).save());
      return values;
    };
    const opaque = await new provider.AccessToken({ ...(await newGrant()), scope: 'offline_access', gty: 'authorization_code' }).save();
    return {
      client: { id: CLIENT_ID, secret },
      redirectUri: REDIRECT_URI,
      resource: RESOURCE,
      codes,
      refresh: await refreshTokens(counts.refresh),
      revoke: await refreshTokens(counts.revoke),
      introspectToken: { token: opaque, note: 'opaque access token (its JWT access tokens are not introspectable)' },
      personalToken: null,
    };
  }

  const server = http.createServer(provider.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => serveParent(seed));
}

if (process.argv[1] === SELF && process.argv[2] === 'serve') void serve(Number(process.argv[3]));
