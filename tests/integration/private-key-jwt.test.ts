// Machine clients without shared secrets, over HTTP on both providers: an
// admin-made private_key_jwt client (RFC 7523 §2.2) gets a client_credentials
// token bound to the resource it asked for (the MCP OAuth Client Credentials
// extension, docs/machine-clients.md), with keys pasted or published at a
// jwks_uri; a replayed or expired assertion is refused; introspection and
// revocation accept the same authentication.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { providers } from '../helpers/databases.ts';
import { createResourceServer, createScope } from '../helpers/factories.ts';
import { postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe.each(providers)('private_key_jwt machine clients on %s', (provider) => {
  let server: ProtocolServer;
  let jwksServer: http.Server;
  let key: { privateKey: CryptoKey; jwk: JWK };
  let pasted: string;
  let published: string;
  let resource: string;
  let scope: string;

  const sign = (clientId: string, claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: clientId, sub: clientId, aud: server.issuer, jti: randomUUID(), iat: now, exp: now + 60, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid })
      .sign(key.privateKey);
  };
  const auth = async (clientId: string, claims?: Record<string, unknown>) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: await sign(clientId, claims) });

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'ci-1', alg: 'ES256', use: 'sig' } };
    jwksServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    server = await startProtocolServer({ provider, env: { GATEHOUSE_CIMD_ALLOW_HTTP_LOOPBACK: 'true' } });
    scope = (await createScope(server.db, { tools: ['search'] })).name;
    resource = (await createResourceServer(server.db, { scopes: [scope] })).url;
    const jwks = JSON.stringify({ keys: [key.jwk] });
    const a = await createAdminClient(server.db, { name: 'CI job', jwks, scope, canIntrospect: true }, { type: 'system' });
    expect(a.clientSecret).toBeNull();
    expect(a.client.tokenEndpointAuthMethod).toBe('private_key_jwt');
    pasted = a.client.clientId;
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const b = await createAdminClient(server.db, { name: 'Agent', jwksUri, scope }, { type: 'system' });
    expect(b.clientSecret).toBeNull();
    published = b.client.clientId;
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  const tokenFor = async (clientId: string, claims?: Record<string, unknown>) =>
    postForm(server, '/oauth/token', { grant_type: 'client_credentials', resource, scope, ...(await auth(clientId, claims)) });

  it('advertises private_key_jwt and its algorithms', async () => {
    const metadata = (await (await server.fetch('/.well-known/oauth-authorization-server')).json()) as Record<string, string[]>;
    expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toContain('ES256');
    expect(metadata.introspection_endpoint_auth_methods_supported).toContain('private_key_jwt');
  });

  it('gives a key-based machine client a client_credentials token whose aud is the resource, from pasted keys and from a jwks_uri', async () => {
    for (const clientId of [pasted, published]) {
      const response = await tokenFor(clientId);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { access_token: string; token_type: string; scope: string; refresh_token?: string };
      expect(body.token_type).toBe('Bearer');
      expect(body.scope).toBe(scope);
      expect(body.refresh_token).toBeUndefined();
      const claims = decodeJwt(body.access_token);
      expect(claims.aud).toBe(resource);
      expect(claims.client_id).toBe(clientId);
    }
  });

  it('refuses a replayed assertion and an expired one with invalid_client', async () => {
    const once = await auth(pasted);
    const first = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', resource, ...once });
    expect(first.status).toBe(200);
    const replay = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', resource, ...once });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_client', error_description: 'client authentication failed' });
    const now = Math.floor(Date.now() / 1000);
    const expired = await tokenFor(pasted, { iat: now - 600, exp: now - 300 });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses a secret from a key-based client', async () => {
    const response = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: pasted, client_secret: 'gh_cs_guess' });
    expect(response.status).toBe(401);
  });

  it('accepts private_key_jwt at introspection and revocation', async () => {
    const { access_token } = (await (await tokenFor(published)).json()) as { access_token: string };
    const active = await postForm(server, '/oauth/introspect', { token: access_token, ...(await auth(pasted)) });
    expect(active.status).toBe(200);
    expect(await active.json()).toMatchObject({ active: true, aud: resource, client_id: published });
    const revoked = await postForm(server, '/oauth/revoke', { token: access_token, ...(await auth(published)) });
    expect(revoked.status).toBe(200);
    const after = await postForm(server, '/oauth/introspect', { token: access_token, ...(await auth(pasted)) });
    expect(await after.json()).toEqual({ active: false });
  });
});
