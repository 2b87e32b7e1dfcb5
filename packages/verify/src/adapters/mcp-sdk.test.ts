import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo as McpAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSigningKey, signAccessToken, startFakeGatehouse, type FakeGatehouse, type SigningKey } from '../testing/fake-gatehouse.ts';
import { createVerifier, type Verifier } from '../verify.ts';
import { makeDpopKey, signDpopProof } from '../testing/dpop-client.ts';
import { bearerAuthOptions, gatehouseAuthOf, gatehouseTokenVerifier, requireGatehouseAuth, toMcpAuthInfo } from './mcp-sdk.ts';

const RESOURCE = 'http://localhost:3120/mcp';
let gh: FakeGatehouse;
let key: SigningKey;
let verifier: Verifier;

beforeAll(async () => {
  gh = await startFakeGatehouse();
  key = await makeSigningKey('k1');
  gh.published.push(key.publicJwk);
  verifier = createVerifier({
    issuer: gh.issuer,
    resource: RESOURCE,
    jwksUri: gh.jwksUri,
    introspection: { clientId: gh.client.id, clientSecret: gh.client.secret, cacheTtlMs: 1000, endpoint: gh.introspectionEndpoint },
  });
});
afterAll(() => gh.close());

/** Runs an express middleware (the SDK's by default) against a minimal request/response pair. */
async function runMiddleware(authorization?: string, requiredScopes?: string[], extra: { dpop?: string; ours?: boolean } = {}) {
  const middleware = extra.ours ? requireGatehouseAuth(verifier, { requiredScopes }) : requireBearerAuth(bearerAuthOptions(verifier, { requiredScopes }));
  const headers: Record<string, string> = authorization ? { authorization } : {};
  if (extra.dpop) headers.dpop = extra.dpop;
  const req = { method: 'POST', url: '/', originalUrl: '/mcp', headers } as { method: string; url: string; originalUrl: string; headers: Record<string, string>; auth?: McpAuthInfo };
  const out = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown, next: false };
  const res = {
    set(name: string, value: string) {
      out.headers[name] = value;
      return res;
    },
    status(code: number) {
      out.status = code;
      return res;
    },
    json(body: unknown) {
      out.body = body;
      return res;
    },
  };
  await middleware(req as never, res as never, () => {
    out.next = true;
  });
  return { ...out, auth: req.auth };
}

describe('MCP SDK adapter', () => {
  it("passes requireBearerAuth with a JWT for this resource; Gatehouse's reach is in extra", async () => {
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE, claims: { workspaces: ['alpha'], tools: ['list_documents'] } });
    const result = await runMiddleware(`Bearer ${jwt}`, ['mcp:tools']);
    expect(result.next).toBe(true);
    expect(result.auth).toMatchObject({ token: jwt, clientId: 'client-1', scopes: ['mcp:tools'], extra: { sub: 'user-1', kind: 'access_token', workspaces: ['alpha'], tools: ['list_documents'] } });
    expect(result.auth!.resource!.href).toBe(RESOURCE);
    expect(typeof result.auth!.expiresAt).toBe('number');
    expect(gatehouseAuthOf(result.auth)?.sub).toBe('user-1');
  });

  it('a bad token is the SDK 401 with the resource metadata in the challenge', async () => {
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: 'http://localhost:3120/other' });
    const result = await runMiddleware(`Bearer ${jwt}`);
    expect(result.next).toBe(false);
    expect(result.status).toBe(401);
    expect(result.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    expect(result.headers['WWW-Authenticate']).toContain('resource_metadata="http://localhost:3120/.well-known/oauth-protected-resource/mcp"');
  });

  it('a missing scope is the SDK 403 insufficient_scope', async () => {
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE, claims: { scope: 'openid' } });
    const result = await runMiddleware(`Bearer ${jwt}`, ['mcp:tools']);
    expect(result.status).toBe(403);
    expect(result.headers['WWW-Authenticate']).toContain('error="insufficient_scope"');
  });

  it('a team token (no exp) gets an expiry the SDK accepts', async () => {
    gh.answers.set('gh_team_abc', { active: true, iss: gh.issuer, sub: 'team:t1', aud: gh.issuer, scope: '', token_type: 'Bearer', token_kind: 'team_token', workspaces: ['alpha'], tools: ['*'] });
    const result = await runMiddleware('Bearer gh_team_abc');
    expect(result.next).toBe(true);
    expect(result.auth!.expiresAt!).toBeGreaterThan(Date.now() / 1000);
    expect(result.auth!.extra).toMatchObject({ kind: 'team_token', sub: 'team:t1' });
  });

  it('an unreachable Gatehouse is a server error, not an invalid token', async () => {
    const down = createVerifier({ issuer: gh.issuer, resource: RESOURCE, jwksUri: `${gh.issuer}/missing` });
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE });
    await expect(gatehouseTokenVerifier(down).verifyAccessToken(jwt)).rejects.toMatchObject({ errorCode: 'server_error' });
    expect(toMcpAuthInfo(await verifier.verifyToken(jwt), RESOURCE).resource?.href).toBe(RESOURCE);
  });

  it("requireBearerAuth refuses a DPoP-bound token (it only sees Bearer); requireGatehouseAuth takes it with its proof", async () => {
    const client = await makeDpopKey();
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE, claims: { cnf: { jkt: client.jkt } } });
    const sdk = await runMiddleware(`Bearer ${jwt}`);
    expect(sdk.status).toBe(401);
    expect(sdk.next).toBe(false);
    expect((await runMiddleware(`Bearer ${jwt}`, undefined, { ours: true })).status).toBe(401);

    // express mounted at /mcp: req.url is "/", req.originalUrl "/mcp" — the proof names the latter.
    const proof = await signDpopProof(client, { method: 'POST', url: RESOURCE, token: jwt });
    const ours = await runMiddleware(`DPoP ${jwt}`, ['mcp:tools'], { dpop: proof, ours: true });
    expect(ours.next).toBe(true);
    expect(gatehouseAuthOf(ours.auth)?.confirmation).toEqual({ jkt: client.jkt });

    const wrong = await runMiddleware(`DPoP ${jwt}`, undefined, { dpop: await signDpopProof(client, { method: 'GET', url: RESOURCE, token: jwt }), ours: true });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['WWW-Authenticate']).toMatch(/^Bearer resource_metadata="[^"]+", DPoP resource_metadata="[^"]+", error="invalid_dpop_proof"/);
    expect(wrong.body).toMatchObject({ error: 'invalid_dpop_proof' });
  });
});
