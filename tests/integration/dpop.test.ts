// DPoP at the token endpoint (RFC 9449) over HTTP through the real router, on
// both providers: a code exchange and refresh with a proof give DPoP tokens
// bound to the key (cnf.jkt), a public client's refresh token only refreshes
// with that key, a proof is single use and names the issuer's token endpoint,
// server nonces (§8) when configured, clients registered for bound tokens
// (§5.2), and introspection (§6.2). Without a proof everything stays bearer.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { listActiveGrantsOfClient } from '../../lib/server/db/client-grants.ts';
import { listActiveGrantsOfUser } from '../../lib/server/db/grants.ts';
import { listTokens } from '../../lib/server/db/tokens-admin.ts';
import { providers } from '../helpers/databases.ts';
import { dpopProof, newDpopKey, type DpopKey } from '../helpers/dpop.ts';
import { createUserWithWorkspace } from '../helpers/factories.ts';
import { authorizeThroughConsent, basicAuth, createUser, pkcePair, postForm, signInCookie, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';

type Key = DpopKey;
type Json = Record<string, unknown>;
const newKey = newDpopKey;

describe.each(providers)('DPoP at the token endpoint on %s', (provider) => {
  let server: ProtocolServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  let workspaceKey: string;
  let publicClientId: string;
  let rs: { clientId: string; secret: string };
  let key: Key;
  let htu: string;

  beforeAll(async () => {
    server = await startProtocolServer({ provider, env: { GATEHOUSE_REFRESH_REUSE_GRACE: '30' } });
    htu = `${server.issuer}/oauth/token`;
    const member = await createUserWithWorkspace(server.db);
    user = member.user;
    workspaceKey = member.workspace.key;
    publicClientId = (await createAdminClient(server.db, { name: 'DPoP public client', confidential: false, redirectUris: [REDIRECT_URI] }, { type: 'system' })).client.clientId;
    const created = await createAdminClient(server.db, { name: 'Resource server', confidential: true, canIntrospect: true, scope: 'mcp:tools' }, { type: 'system' });
    rs = { clientId: created.client.clientId, secret: created.clientSecret! };
    key = await newKey();
  });
  afterAll(() => server?.stop());

  const token = (params: Record<string, string | undefined>, proof?: string) => postForm(server, '/oauth/token', params, proof ? { dpop: proof } : {});
  const introspect = async (value: string) => (await postForm(server, '/oauth/introspect', { token: value }, { authorization: basicAuth(rs.clientId, rs.secret) })).json() as Promise<Json>;

  async function authorize(clientId: string, dpopJkt?: string) {
    const pkce = pkcePair();
    const { code } = await authorizeThroughConsent(server, user, { clientId, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge, scope: 'mcp:tools offline_access', workspaces: [workspaceKey], dpopJkt });
    return (proof?: string) => token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier, client_id: clientId }, proof);
  }
  const codeExchange = async (clientId: string, proof?: string) => (await authorize(clientId))(proof);

  async function boundTokens(): Promise<Json> {
    const response = await codeExchange(publicClientId, await dpopProof(key, htu));
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  }

  it('advertises the proof algorithms it takes (RFC 9449 §5.1)', async () => {
    const metadata = (await (await server.fetch('/.well-known/oauth-authorization-server')).json()) as Json;
    expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256', 'EdDSA']));
    expect(metadata.dpop_signing_alg_values_supported).not.toContain('HS256');
  });

  it('a code exchange with a proof gives a DPoP access token bound to the key, and introspection shows cnf', async () => {
    const tokens = await boundTokens();
    expect(tokens.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.access_token as string).cnf).toEqual({ jkt: key.jkt });
    expect(await introspect(tokens.access_token as string)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });

  it('the refresh of a bound refresh token with a proof by the same key gives bound tokens again, and the successor stays bound', async () => {
    const first = await boundTokens();
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token as string, client_id: publicClientId }, await dpopProof(key, htu));
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as Json;
    expect(second.token_type).toBe('DPoP');
    expect(decodeJwt(second.access_token as string).cnf).toEqual({ jkt: key.jkt });
    const unbound = await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token as string, client_id: publicClientId });
    expect(unbound.status).toBe(400);
    expect(await unbound.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('the refresh of a bound token is refused without a proof, with another key, with a reused jti, and with a wrong htu', async () => {
    const { refresh_token } = await boundTokens();
    const refresh = (proof?: string) => token({ grant_type: 'refresh_token', refresh_token: refresh_token as string, client_id: publicClientId }, proof);
    const refused = async (response: Response, error: string) => {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error });
    };
    await refused(await refresh(), 'invalid_grant');
    await refused(await refresh(await dpopProof(await newKey(), htu)), 'invalid_grant');
    await refused(await refresh(await dpopProof(key, 'http://127.0.0.1:1/oauth/token')), 'invalid_dpop_proof');
    await refused(await refresh(await dpopProof(key, `${server.issuer}/oauth/revoke`)), 'invalid_dpop_proof');
    const proof = await dpopProof(key, htu);
    expect((await refresh(proof)).status).toBe(200);
    // Inside the grace window a retry would get the same response back, but not with a spent proof.
    await refused(await refresh(proof), 'invalid_dpop_proof');
  });

  it('a retry of a rotated bound token inside the grace window needs the key too', async () => {
    const { refresh_token } = await boundTokens();
    const refresh = (proof?: string) => token({ grant_type: 'refresh_token', refresh_token: refresh_token as string, client_id: publicClientId }, proof);
    const first = (await (await refresh(await dpopProof(key, htu))).json()) as Json;
    const thief = await refresh();
    expect(thief.status).toBe(400);
    expect(await thief.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await refresh(await dpopProof(key, htu))).json()).toEqual(first);
  });

  it('without a proof the same client gets bearer tokens and an unbound refresh token, as before', async () => {
    const response = await codeExchange(publicClientId);
    const tokens = (await response.json()) as Json;
    expect(tokens.token_type).toBe('Bearer');
    expect(decodeJwt(tokens.access_token as string).cnf).toBeUndefined();
    expect(await introspect(tokens.access_token as string)).toMatchObject({ active: true, token_type: 'Bearer' });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: publicClientId });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ token_type: 'Bearer' });
  });

  it('the account and admin pages\' data marks a grant with live key-bound tokens, and the bound tokens themselves', async () => {
    const bearerOnly = (await createAdminClient(server.db, { name: 'Bearer client', confidential: false, redirectUris: [REDIRECT_URI] }, { type: 'system' })).client;
    await codeExchange(bearerOnly.clientId);
    await boundTokens();
    const grants = await listActiveGrantsOfUser(server.db, user.id);
    expect(grants.find((g) => g.clientId === publicClientId)?.keyBound).toBe(true);
    expect(grants.find((g) => g.clientId === bearerOnly.clientId)?.keyBound).toBe(false);
    const { grants: ofClient } = await listActiveGrantsOfClient(server.db, (await server.app.db.prisma.client.findUniqueOrThrow({ where: { clientId: publicClientId } })).id);
    expect(ofClient.map((g) => g.keyBound)).toEqual([true]);
    const page = await listTokens(server.db, { type: 'refresh', status: 'active' }, { limit: 200 });
    expect(page.rows.some((r) => r.keyBound && r.client?.clientId === publicClientId)).toBe(true);
    expect(page.rows.filter((r) => r.client?.clientId === bearerOnly.clientId).map((r) => r.keyBound)).toEqual([false]);
  });

  it('a code bound to a key with dpop_jkt is exchanged only with a proof made with it, and is not spent by the refusals (RFC 9449 §10)', async () => {
    // A client without a grant yet: dpop_jkt rides through the consent page's ticket.
    const fresh = (await createAdminClient(server.db, { name: 'Code-bound client', confidential: false, redirectUris: [REDIRECT_URI] }, { type: 'system' })).client;
    const redeem = await authorize(fresh.clientId, key.jkt);
    for (const proof of [undefined, await dpopProof(await newKey(), htu)]) {
      const refused = await redeem(proof);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    }
    const ok = await redeem(await dpopProof(key, htu));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: 'DPoP' });
  });

  it('a malformed dpop_jkt is an invalid_request sent back to the client', async () => {
    const search = new URLSearchParams({ response_type: 'code', client_id: publicClientId, redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256', dpop_jkt: 'not-a-thumbprint' });
    const response = await server.fetch(`/oauth/authorize?${search}`, { headers: { cookie: await signInCookie(server.app, user) } });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('a confidential client gets a bound access token with a proof, for client_credentials too', async () => {
    const withAuth = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', scope: 'mcp:tools' }, { authorization: basicAuth(rs.clientId, rs.secret), dpop: await dpopProof(key, htu) });
    const body = (await withAuth.json()) as Json;
    expect(body.token_type).toBe('DPoP');
    expect(await introspect(body.access_token as string)).toMatchObject({ token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });

  it('a client registered with dpop_bound_access_tokens is refused without a proof (RFC 9449 §5.2)', async () => {
    const registered = await server.fetch('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Bound client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true }),
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as Json;
    expect(client.dpop_bound_access_tokens).toBe(true);
    const without = await codeExchange(client.client_id as string);
    expect(without.status).toBe(400);
    expect(await without.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    const withProof = await codeExchange(client.client_id as string, await dpopProof(key, htu));
    expect(withProof.status).toBe(200);
    expect(await withProof.json()).toMatchObject({ token_type: 'DPoP' });
  });

  it('lets browser clients send DPoP and read DPoP-Nonce (CORS)', async () => {
    const preflight = await server.fetch('/oauth/token', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-headers': 'dpop' } });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/\bDPoP\b/);
    expect(preflight.headers.get('access-control-expose-headers')).toMatch(/\bDPoP-Nonce\b/);
  });
});

describe.each(providers)('DPoP server nonces (GATEHOUSE_DPOP_NONCE) on %s', (provider) => {
  let server: ProtocolServer;
  let second: ProtocolServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startProtocolServer({ provider, env: { GATEHOUSE_DPOP_NONCE: 'true' } });
    second = await startProtocolServer({ url: server.databaseUrl, issuer: server.issuer, db: provider === 'sqlite' ? server.db : undefined, env: { GATEHOUSE_DPOP_NONCE: 'true' } });
    const created = await createAdminClient(server.db, { name: 'Machine', confidential: true, scope: 'mcp:tools' }, { type: 'system' });
    clientId = created.client.clientId;
    const secret = created.clientSecret!;
    request = (proof?: string, on = server) =>
      postForm(on, '/oauth/token', { grant_type: 'client_credentials', scope: 'mcp:tools' }, { authorization: basicAuth(clientId, secret), ...(proof ? { dpop: proof } : {}) });
  });
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
  });
  let request: (proof?: string, on?: ProtocolServer) => Promise<Response>;

  it('a proof without a nonce gets use_dpop_nonce and the nonce; a proof with it, made for another instance, gets tokens', async () => {
    const key = await newKey();
    const htu = `${server.issuer}/oauth/token`;
    const first = await request(await dpopProof(key, htu));
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toBeTruthy();
    const ok = await request(await dpopProof(key, htu, { nonce }), second);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: 'DPoP' });
    expect(ok.headers.get('dpop-nonce')).toBe(nonce);
    const stale = await request(await dpopProof(key, htu, { nonce: 'stale' }));
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({ error: 'use_dpop_nonce' });
    expect(stale.headers.get('dpop-nonce')).toBe(nonce);
  });

  it('a request without a proof needs no nonce, and gets a bearer token', async () => {
    const response = await request();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer' });
  });
});
