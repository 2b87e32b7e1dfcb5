import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSigningKey, signAccessToken, startFakeGatehouse, type FakeGatehouse, type SigningKey } from '../testing/fake-gatehouse.ts';
import { createVerifier, type Verifier } from '../verify.ts';
import { withGatehouseAuth } from './fetch.ts';

const RESOURCE = 'http://localhost:3120/mcp';
let gh: FakeGatehouse;
let key: SigningKey;
let verifier: Verifier;

beforeAll(async () => {
  gh = await startFakeGatehouse();
  key = await makeSigningKey('k1');
  gh.published.push(key.publicJwk);
  verifier = createVerifier({ issuer: gh.issuer, resource: RESOURCE, jwksUri: gh.jwksUri, scopes: ['mcp:tools', 'offline_access'] });
});
afterAll(() => gh.close());

const call = (path: string, init?: RequestInit) => withGatehouseAuth(verifier, (_req, auth) => Response.json({ sub: auth.sub, workspaces: auth.workspaces }), { requiredScopes: ['mcp:tools'] })(new Request(`http://localhost:3120${path}`, init));

describe('fetch adapter', () => {
  it('serves the metadata at both well-known paths, without offline_access', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
      expect(await res.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [gh.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: ['mcp:tools'],
        dpop_signing_alg_values_supported: ['ES256', 'ES384', 'PS256', 'RS256', 'Ed25519', 'EdDSA'],
      });
    }
  });

  it('answers preflights', async () => {
    const res = await call('/mcp', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Headers': 'authorization, mcp-protocol-version' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('MCP-Protocol-Version');
  });

  it('401 with the challenge without a token; the handler never runs', async () => {
    const res = await call('/mcp', { method: 'POST' });
    expect(res.status).toBe(401);
    const rmu = 'http://localhost:3120/.well-known/oauth-protected-resource/mcp';
    expect(res.headers.get('WWW-Authenticate')).toBe(`Bearer resource_metadata="${rmu}", DPoP resource_metadata="${rmu}", algs="ES256 ES384 PS256 RS256 Ed25519 EdDSA"`);
  });

  it('hands the handler the AuthInfo and adds CORS to its response', async () => {
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE });
    const res = await call('/mcp', { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('WWW-Authenticate');
    expect(await res.json()).toEqual({ sub: 'user-1', workspaces: ['alpha'] });
  });

  it('403 insufficient_scope when a required scope is missing', async () => {
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE, claims: { scope: 'openid' } });
    const res = await call('/mcp', { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('WWW-Authenticate')).toContain('error="insufficient_scope"');
    expect(res.headers.get('WWW-Authenticate')).toContain('scope="mcp:tools"');
  });
});
