import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSigningKey, signAccessToken, startFakeGatehouse, type FakeGatehouse, type SigningKey } from '../testing/fake-gatehouse.ts';
import { makeDpopKey, signDpopProof } from '../testing/dpop-client.ts';
import { createVerifier } from '../verify.ts';
import { authenticateNode, handleMetadataAndPreflight } from './node.ts';

let gh: FakeGatehouse;
let key: SigningKey;
let server: Server;
let base: string;
let resource: string;

beforeAll(async () => {
  gh = await startFakeGatehouse();
  key = await makeSigningKey('k1');
  gh.published.push(key.publicJwk);
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  resource = `${base}/mcp`;
  const verifier = createVerifier({ issuer: gh.issuer, resource, jwksUri: gh.jwksUri, scopes: ['mcp:tools'] });
  server.on('request', async (req, res) => {
    if (handleMetadataAndPreflight(verifier, req, res)) return;
    const auth = await authenticateNode(verifier, req, res, { requiredScopes: ['mcp:tools'] });
    if (!auth) return;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ sub: auth.sub }));
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await gh.close();
});

describe('node:http adapter', () => {
  it('serves the metadata at both well-known paths and answers preflights', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ resource, authorization_servers: [gh.issuer], scopes_supported: ['mcp:tools'] });
    }
    const pre = await fetch(`${base}/mcp`, { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('answers 401 itself, and lets a valid token through with CORS headers', async () => {
    const refused = await fetch(`${base}/mcp`, { method: 'POST' });
    expect(refused.status).toBe(401);
    const rmu = `${base}/.well-known/oauth-protected-resource/mcp`;
    expect(refused.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${rmu}", DPoP resource_metadata="${rmu}", algs="ES256 ES384 PS256 RS256 Ed25519 EdDSA"`);
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: resource });
    const ok = await fetch(`${base}/mcp`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    expect(await ok.json()).toEqual({ sub: 'user-1' });
  });

  it('403 insufficient_scope for a token without the required scope', async () => {
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: resource, claims: { scope: 'openid' } });
    const res = await fetch(`${base}/mcp`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('passes the method, the path and the DPoP header on: a DPoP-bound token with its proof gets through, a replayed proof does not', async () => {
    const client = await makeDpopKey();
    const jwt = await signAccessToken(key, { issuer: gh.issuer, audience: resource, claims: { cnf: { jkt: client.jkt } } });
    const proof = await signDpopProof(client, { method: 'POST', url: resource, token: jwt });
    const ok = await fetch(`${base}/mcp`, { method: 'POST', headers: { Authorization: `DPoP ${jwt}`, DPoP: proof } });
    expect(ok.status).toBe(200);
    const replayed = await fetch(`${base}/mcp`, { method: 'POST', headers: { Authorization: `DPoP ${jwt}`, DPoP: proof } });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toContain('DPoP resource_metadata=');
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof", error_description="the DPoP proof was already used"');
    const asBearer = await fetch(`${base}/mcp`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
    expect(asBearer.status).toBe(401);
  });
});
