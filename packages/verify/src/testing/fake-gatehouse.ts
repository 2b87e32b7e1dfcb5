// A stand-in for Gatehouse in tests and benchmarks: metadata, JWKS and
// introspection over real HTTP on 127.0.0.1, with keys and answers the test
// controls and counters for every endpoint.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export type SigningKey = { kid: string; privateKey: CryptoKey; publicJwk: JWK };

export async function makeSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

export type FakeGatehouse = {
  issuer: string;
  jwksUri: string;
  introspectionEndpoint: string;
  /** Keys published in the JWKS (mutable). */
  published: JWK[];
  /** Introspection answers by token (mutable); unknown tokens are inactive. */
  answers: Map<string, Record<string, unknown>>;
  /** Accepted introspection credentials. */
  client: { id: string; secret: string };
  counts: { metadata: number; jwks: number; introspection: number };
  /** Overrides the metadata document's issuer (to test the check). */
  metadataIssuer?: string;
  /** The JWKS endpoint's status: 200 serves `published`, anything else an error. */
  jwksStatus: number;
  /** Milliseconds to wait before answering introspection. */
  introspectionDelayMs: number;
  close(): Promise<void>;
};

export async function startFakeGatehouse(): Promise<FakeGatehouse> {
  let fake!: FakeGatehouse;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', fake.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      fake.counts.metadata += 1;
      return json(200, { issuer: fake.metadataIssuer ?? fake.issuer, jwks_uri: fake.jwksUri, introspection_endpoint: fake.introspectionEndpoint });
    }
    if (url.pathname === '/.well-known/jwks.json') {
      fake.counts.jwks += 1;
      return fake.jwksStatus === 200 ? json(200, { keys: fake.published }) : json(fake.jwksStatus, { error: 'unavailable' });
    }
    if (url.pathname === '/oauth/introspect' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        fake.counts.introspection += 1;
        // As Gatehouse reads client_secret_basic: form-urldecoded id and secret (RFC 6749 §2.3.1).
        const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map((v) => decodeURIComponent(v.replace(/\+/g, ' ')));
        if (id !== fake.client.id || secret !== fake.client.secret) return json(401, { error: 'invalid_client' });
        const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? '';
        const answer = fake.answers.get(token) ?? { active: false };
        if (fake.introspectionDelayMs > 0) setTimeout(() => json(200, answer), fake.introspectionDelayMs);
        else json(200, answer);
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake = {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    introspectionEndpoint: `${issuer}/oauth/introspect`,
    published: [],
    answers: new Map(),
    client: { id: 'resource-server', secret: 'rs-secret with spaces+symbols' },
    counts: { metadata: 0, jwks: 0, introspection: 0 },
    jwksStatus: 200,
    introspectionDelayMs: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

export type AccessTokenOptions = {
  issuer: string;
  audience: string | string[];
  claims?: JWTPayload & Record<string, unknown>;
  typ?: string | null;
  /** Seconds since the epoch. */
  iat?: number;
  expiresIn?: number;
  omit?: string[];
};

/** A Gatehouse-style access token: ES256, typ at+jwt, kid, the usual claims. */
export async function signAccessToken(key: SigningKey, options: AccessTokenOptions): Promise<string> {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: options.issuer,
    sub: 'user-1',
    aud: options.audience,
    iat,
    exp: iat + (options.expiresIn ?? 300),
    jti: crypto.randomUUID(),
    client_id: 'client-1',
    scope: 'mcp:tools',
    workspaces: ['alpha'],
    tools: ['*'],
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  const header: Record<string, unknown> = { alg: 'ES256', kid: key.kid };
  if (options.typ !== null) header.typ = options.typ ?? 'at+jwt';
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}
