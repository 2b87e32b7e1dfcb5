// The protocol end to end over HTTP, on both providers: an MCP client registers
// itself (RFC 7591), a signed-in user authorizes it with PKCE, the client
// redeems the code for RFC 9068 JWTs bound to the resource (RFC 8707), rotates
// its refresh token (OAuth 2.1 §4.3.1: retries inside the grace window get the
// same answer, reuse after it revokes the family), a resource server
// introspects (RFC 7662), a replayed code revokes what it issued (RFC 6749
// §4.1.2), a confidential client uses client_credentials, registered resource
// servers restrict `resource`, and RFC 7592 manages the registration.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { listRecentAudit } from '../../lib/server/db/audit.ts';
import { providers } from '../helpers/databases.ts';
import { addMember, assignWorkspace, countRows, createResourceServer, createTeam, createWorkspace } from '../helpers/factories.ts';
import {
  authorizeThroughConsent,
  basicAuth,
  confirmationPage,
  createUser,
  pkcePair,
  postForm,
  startProtocolServer,
  type ProtocolServer,
} from '../helpers/protocol-server.ts';

const RESOURCE = 'https://mcp.example/';
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
// Wide enough that a retry on a loaded machine still lands inside it.
const GRACE_SECONDS = 3;

type TokenBody = { access_token: string; token_type: string; expires_in: number; refresh_token?: string; scope: string };
type Json = Record<string, unknown>;

/** The client an audit event was recorded for (protocol events name the client as actor). */
const actorId = (e: { actor: { type: string } }) => ('id' in e.actor ? (e.actor as { id: string }).id : undefined);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function json(response: Response): Promise<Json> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`not JSON (${response.status}): ${text.slice(0, 200)}`);
  }
}

describe.each(providers)('the OAuth flow over HTTP on %s', (provider) => {
  let server: ProtocolServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  let workspaceKey: string;
  /** The resource server's confidential client: introspects, and uses client_credentials. */
  let rs: { clientId: string; secret: string };

  // The MCP client's state, carried from step to step.
  let client: Json;
  let clientId: string;
  let firstTokens: TokenBody;
  let rotated: TokenBody;

  beforeAll(async () => {
    server = await startProtocolServer({ provider, env: { GATEHOUSE_REFRESH_REUSE_GRACE: String(GRACE_SECONDS) } });
    user = await createUser(server);
    const team = await createTeam(server.db, user.id);
    await addMember(server.db, team.id, user.id, 'owner');
    const workspace = await createWorkspace(server.db);
    await assignWorkspace(server.db, team.id, workspace.id);
    // A second workspace the user has but will not share.
    const other = await createWorkspace(server.db);
    await assignWorkspace(server.db, team.id, other.id);
    workspaceKey = workspace.key;
    const created = await createAdminClient(server.db, { name: 'MCP resource server', confidential: true, canIntrospect: true, scope: 'mcp:tools' }, { type: 'system' });
    rs = { clientId: created.client.clientId, secret: created.clientSecret! };
  });
  afterAll(async () => {
    await server?.stop();
  });

  const token = (params: Record<string, string | string[] | undefined>, headers: Record<string, string> = {}) =>
    server.fetch('/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: formBody(params),
    });
  const introspect = async (value: string) => {
    const response = await postForm(server, '/oauth/introspect', { token: value }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(response.status).toBe(200);
    return json(response);
  };
  const register = async (metadata: Json) => {
    const response = await server.fetch('/oauth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
    expect(response.status).toBe(201);
    return json(response);
  };
  const registerPublicClient = () =>
    register({
      client_name: 'Flow test MCP client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
  /** Authorize (consent on first use) and redeem: a fresh code family. */
  const codeFor = async (id: string, opts: { resource?: string } = {}) => {
    const pkce = pkcePair();
    const { code } = await authorizeThroughConsent(server, user, {
      clientId: id,
      redirectUri: REDIRECT_URI,
      codeChallenge: pkce.challenge,
      scope: 'mcp:tools offline_access',
      state: 'st-' + Math.random().toString(36).slice(2),
      resource: opts.resource ?? RESOURCE,
      workspaces: [workspaceKey],
    });
    return { code, verifier: pkce.verifier };
  };
  const redeem = (id: string, code: string, verifier: string) =>
    token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: id, resource: RESOURCE });
  const events = (action: string) => listRecentAudit(server.db, { action, limit: 200 });

  it('publishes metadata whose issuer is the configured one byte for byte', async () => {
    const response = await server.fetch('/.well-known/oauth-authorization-server');
    expect(response.status).toBe(200);
    const metadata = await json(response);
    expect(metadata.issuer).toBe(server.issuer);
    expect(metadata.token_endpoint).toBe(`${server.issuer}/oauth/token`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('registers a public client dynamically (RFC 7591)', async () => {
    client = await registerPublicClient();
    clientId = client.client_id as string;
    expect(clientId).toMatch(/^ghc_/);
    expect(client.client_secret).toBeUndefined();
    expect(client.registration_access_token).toMatch(/^gh_rat_/);
    expect(client.registration_client_uri).toBe(`${server.issuer}/oauth/register/${clientId}`);
    expect(client.redirect_uris).toEqual([REDIRECT_URI]);
    expect(client.token_endpoint_auth_method).toBe('none');
  });

  it('authorizes with S256 and exchanges the code for an RFC 9068 JWT bound to the resource', async () => {
    const { code, verifier } = await codeFor(clientId);
    const response = await redeem(clientId, code, verifier);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    firstTokens = (await json(response)) as TokenBody;
    expect(firstTokens.token_type).toBe('Bearer');
    expect(firstTokens.refresh_token).toMatch(/^gh_rt_/);
    expect(firstTokens.scope.split(' ').sort()).toEqual(['mcp:tools', 'offline_access']);

    const header = decodeProtectedHeader(firstTokens.access_token);
    expect(header.typ).toBe('at+jwt');
    const jwks = (await json(await server.fetch('/.well-known/jwks.json'))) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(firstTokens.access_token, createLocalJWKSet({ keys: jwks.keys }), { typ: 'at+jwt' });
    expect(payload.iss).toBe(server.issuer);
    expect(payload.aud).toBe(RESOURCE);
    expect(payload.sub).toBe(user.id);
    expect(payload.client_id).toBe(clientId);
    expect(payload.workspaces).toEqual([workspaceKey]);
    expect(payload.tools).toEqual(['*']);
    expect(typeof payload.jti).toBe('string');
  });

  it('answers introspection with the workspaces shared at consent and the tools of the scopes', async () => {
    const answer = await introspect(firstTokens.access_token);
    expect(answer).toMatchObject({
      active: true,
      iss: server.issuer,
      sub: user.id,
      client_id: clientId,
      aud: RESOURCE,
      token_type: 'Bearer',
      token_kind: 'access_token',
      workspaces: [workspaceKey],
      tools: ['*'],
    });
    expect((answer.scope as string).split(' ').sort()).toEqual(['mcp:tools', 'offline_access']);
    // A refresh token is never a bearer credential at a resource server.
    expect(await introspect(firstTokens.refresh_token!)).toEqual({ active: false });
    expect(await introspect('not-a-token')).toEqual({ active: false });
  });

  it('rotates the refresh token, and a retry inside the grace window gets the identical response', async () => {
    const first = await token({ grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token, client_id: clientId });
    expect(first.status).toBe(200);
    rotated = (await json(first)) as TokenBody;
    expect(rotated.refresh_token).toMatch(/^gh_rt_/);
    expect(rotated.refresh_token).not.toBe(firstTokens.refresh_token);
    expect(rotated.access_token).not.toBe(firstTokens.access_token);

    const retry = await token({ grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token, client_id: clientId });
    expect(retry.status).toBe(200);
    expect(await json(retry)).toEqual(rotated);
    // Refresh tokens never introspect as active: they are not bearer credentials at a resource server.
    expect(await introspect(firstTokens.refresh_token!)).toEqual({ active: false });
    expect(await introspect(rotated.refresh_token!)).toEqual({ active: false });
  });

  it('revokes the whole family when the rotated token is reused after the grace window', async () => {
    await sleep(GRACE_SECONDS * 1000 + 200);
    const reuse = await token({ grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token, client_id: clientId });
    expect(reuse.status).toBe(400);
    expect((await json(reuse)).error).toBe('invalid_grant');

    // Everything the family issued is dead: the successor refresh token and both access tokens.
    const successor = await token({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token, client_id: clientId });
    expect(successor.status).toBe(400);
    expect((await json(successor)).error).toBe('invalid_grant');
    expect(await introspect(rotated.access_token)).toEqual({ active: false });
    expect(await introspect(firstTokens.access_token)).toEqual({ active: false });
    expect(await introspect(rotated.refresh_token!)).toEqual({ active: false });

    const reused = await events('oauth.refresh_reused');
    expect(reused.some((e) => e.details?.outcome === 'grace_retry' && actorId(e) === clientId)).toBe(true);
    expect(reused.some((e) => e.details?.outcome === 'family_revoked' && actorId(e) === clientId)).toBe(true);
  });

  // Once the successor was used the client evidently did not lose the response,
  // so presenting the parent again is reuse, not a retry, even inside the window.
  it('treats reuse of a token whose successor was already rotated as reuse (revokes the family)', async () => {
    // Another instance on the same database with the default 30 s grace, so the
    // reuse is certainly inside the first rotation's window.
    const graceful = await startProtocolServer({ url: server.databaseUrl, issuer: server.issuer, db: server.db });
    try {
      const post = (params: Record<string, string | undefined>) => postForm(graceful, '/oauth/token', { client_id: clientId, ...params });
      const pkce = pkcePair();
      const { code } = await authorizeThroughConsent(graceful, user, { clientId, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge, scope: 'mcp:tools', resource: RESOURCE });
      const tokens = (await json(await post({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier }))) as TokenBody;
      const second = (await json(await post({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }))) as TokenBody;
      const third = await post({ grant_type: 'refresh_token', refresh_token: second.refresh_token });
      expect(third.status).toBe(200);
      const latest = (await json(third)) as TokenBody;
      // The successor has been used: presenting the first token again is not a lost-response retry.
      const reuse = await post({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(reuse.status).toBe(400);
      expect(await introspect(latest.access_token)).toEqual({ active: false });
    } finally {
      await graceful.stop();
    }
  });

  it('revokes the tokens of the first redemption when a code is replayed', async () => {
    const { code, verifier } = await codeFor(clientId);
    const first = await redeem(clientId, code, verifier);
    expect(first.status).toBe(200);
    const issued = (await json(first)) as TokenBody;
    expect(await introspect(issued.access_token)).toMatchObject({ active: true });

    const replay = await redeem(clientId, code, verifier);
    expect(replay.status).toBe(400);
    expect((await json(replay)).error).toBe('invalid_grant');
    expect(await introspect(issued.access_token)).toEqual({ active: false });
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token, client_id: clientId });
    expect(refresh.status).toBe(400);
    expect((await json(refresh)).error).toBe('invalid_grant');

    const replayed = await events('oauth.code_replayed');
    expect(replayed.some((e) => actorId(e) === clientId && e.target?.type === 'grant')).toBe(true);
  });

  it('rejects a wrong PKCE verifier and a wrong redirect_uri with invalid_grant', async () => {
    const { code } = await codeFor(clientId);
    const wrongVerifier = await redeem(clientId, code, pkcePair().verifier);
    expect(wrongVerifier.status).toBe(400);
    expect((await json(wrongVerifier)).error).toBe('invalid_grant');
    const other = await codeFor(clientId);
    const wrongRedirect = await token({
      grant_type: 'authorization_code',
      code: other.code,
      redirect_uri: 'http://127.0.0.1:8765/other',
      code_verifier: other.verifier,
      client_id: clientId,
    });
    expect(wrongRedirect.status).toBe(400);
    expect((await json(wrongRedirect)).error).toBe('invalid_grant');
  });

  it('issues client_credentials tokens to a confidential client, and introspection shows them', async () => {
    const response = await token({ grant_type: 'client_credentials' }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(response.status).toBe(200);
    const body = (await json(response)) as TokenBody;
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('mcp:tools');
    const jwks = (await json(await server.fetch('/.well-known/jwks.json'))) as { keys: JWK[] };
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet({ keys: jwks.keys }), { issuer: server.issuer, audience: server.issuer, typ: 'at+jwt' });
    expect(payload.sub).toBe(rs.clientId);
    expect(await introspect(body.access_token)).toMatchObject({ active: true, sub: rs.clientId, workspaces: [], tools: ['*'] });

    // A public client may not use it.
    const publicClient = await token({ grant_type: 'client_credentials', client_id: clientId });
    expect(publicClient.status).toBe(400);
    expect((await json(publicClient)).error).toBe('unauthorized_client');
  });

  it('answers a bad client secret with 401 invalid_client and a Basic challenge, and audits it', async () => {
    const response = await token({ grant_type: 'client_credentials' }, { authorization: basicAuth(rs.clientId, 'gh_cs_wrong') });
    expect(response.status).toBe(401);
    expect((await json(response)).error).toBe('invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    const failed = await events('oauth.client_auth_failed');
    expect(failed.some((e) => e.target?.id === rs.clientId && e.details?.reason === 'bad_secret')).toBe(true);
  });

  it('refuses introspection to a client not allowed to introspect', async () => {
    const other = await createAdminClient(server.db, { name: 'No introspection', confidential: true }, { type: 'system' });
    const response = await postForm(server, '/oauth/introspect', { token: 'x' }, { authorization: basicAuth(other.client.clientId, other.clientSecret!) });
    expect(response.status).toBe(403);
    expect((await json(response)).error).toBe('unauthorized_client');
  });

  it('revokes a refresh token and its family (RFC 7009)', async () => {
    const { code, verifier } = await codeFor(clientId);
    const issued = (await json(await redeem(clientId, code, verifier))) as TokenBody;
    const response = await postForm(server, '/oauth/revoke', { token: issued.refresh_token, client_id: clientId });
    expect(response.status).toBe(200);
    expect(await introspect(issued.access_token)).toEqual({ active: false });
    expect(await introspect(issued.refresh_token!)).toEqual({ active: false });
    // Unknown tokens get the same 200.
    expect((await postForm(server, '/oauth/revoke', { token: 'unknown', client_id: clientId })).status).toBe(200);
  });

  it('accepts only registered resources once a resource server is registered (invalid_target)', async () => {
    // Before: any https resource is accepted.
    const before = pkcePair();
    const open = await authorizeThroughConsent(server, user, {
      clientId,
      redirectUri: REDIRECT_URI,
      codeChallenge: before.challenge,
      scope: 'mcp:tools',
      resource: 'https://unregistered.example/mcp',
      workspaces: [workspaceKey],
    });
    expect(open.code).toBeTruthy();

    await createResourceServer(server.db, { url: RESOURCE, name: 'The MCP server' });
    const pkce = pkcePair();
    const search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: 'rs-state',
      resource: 'https://unregistered.example/mcp',
    });
    // A self-registered client gets the error through a page (RFC 9700 §4.11.2), with a link back.
    const { returnTo: location } = await confirmationPage(await server.fetch(`/oauth/authorize?${search}`));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('state')).toBe('rs-state');
    expect(location.searchParams.get('iss')).toBe(server.issuer);

    const cc = await token({ grant_type: 'client_credentials', resource: 'https://unregistered.example/mcp' }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(cc.status).toBe(400);
    expect((await json(cc)).error).toBe('invalid_target');
    const ok = await token({ grant_type: 'client_credentials', resource: 'HTTPS://MCP.EXAMPLE/' }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(ok.status).toBe(200);

    // The registered one still works through the whole flow.
    const { code, verifier } = await codeFor(clientId);
    expect((await redeem(clientId, code, verifier)).status).toBe(200);
  });

  it('reads, updates and deletes the registration (RFC 7592); a deleted client gets invalid_client', async () => {
    const registered = await registerPublicClient();
    const id = registered.client_id as string;
    const uri = registered.registration_client_uri as string;
    const bearer = { authorization: `Bearer ${registered.registration_access_token as string}` };
    const { code, verifier } = await codeFor(id);
    const issued = (await json(await redeem(id, code, verifier))) as TokenBody;

    const read = await fetch(uri, { headers: bearer });
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ client_id: id, client_name: 'Flow test MCP client', redirect_uris: [REDIRECT_URI] });
    const anonymous = await fetch(uri);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(uri, { headers: { authorization: 'Bearer gh_rat_wrong' } });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error).toBe('invalid_token');

    const update = await fetch(uri, {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: id,
        client_name: 'Renamed client',
        redirect_uris: [REDIRECT_URI, 'http://127.0.0.1:8765/second'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(update.status).toBe(200);
    expect(await json(update)).toMatchObject({ client_id: id, client_name: 'Renamed client', redirect_uris: [REDIRECT_URI, 'http://127.0.0.1:8765/second'] });
    expect(await json(await fetch(uri, { headers: bearer }))).toMatchObject({ client_name: 'Renamed client' });

    const removed = await fetch(uri, { method: 'DELETE', headers: bearer });
    expect(removed.status).toBe(204);
    expect((await fetch(uri, { headers: bearer })).status).toBe(401);

    const refresh = await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token, client_id: id });
    expect(refresh.status).toBe(401);
    expect((await json(refresh)).error).toBe('invalid_client');
    // Its grants and tokens went with it.
    expect(await introspect(issued.access_token)).toEqual({ active: false });
    expect(await countRows(server.db, 'grant', { client: { clientId: id } })).toBe(0);
    const failed = await events('oauth.client_auth_failed');
    expect(failed.some((e) => e.target?.id === id && e.details?.reason === 'unknown_client')).toBe(true);
  });

  it('let nothing escape the adapters', () => {
    expect(server.unhandledErrors).toEqual([]);
  });
});

function formBody(params: Record<string, string | string[] | undefined>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) body.append(name, v);
  }
  return body.toString();
}
