import { beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../crypto.ts';
import {
  DEFAULT_CLIENT_NAME,
  deleteRegistration,
  readRegistration,
  registerClient,
  updateRegistration,
  type RegistrationContext,
} from './client-registration.ts';
import { OAuthError } from './errors.ts';
import { MemoryOAuthStore } from './testing/memory-store.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const ctx: RegistrationContext = {
  issuer: 'https://gate.example.com',
  now: NOW,
  knownScopes: ['openid', 'offline_access', 'mcp:read', 'mcp:write'],
  ip: '203.0.113.9',
  userAgent: 'test',
};

const publicClient = {
  client_name: 'Claude Desktop',
  redirect_uris: ['http://127.0.0.1:33418/callback', 'https://app.example.com/cb'],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};

let store: MemoryOAuthStore;
beforeEach(() => {
  store = new MemoryOAuthStore(() => NOW);
});

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}

const register = async (body: unknown) => {
  const res = await registerClient(store, body, ctx);
  if (res.status !== 201) throw new Error(`unexpected status ${res.status}`);
  return res.body;
};

describe('registerClient (RFC 7591 §3)', () => {
  it('§3.2.1: answers 201 with client_id, client_id_issued_at and the registered metadata echoed', async () => {
    const res = await registerClient(store, { ...publicClient, software_id: 'claude', 'client_name#ja': 'クロード', custom_field: { a: 1 } }, ctx);
    expect(res.status).toBe(201);
    const body = res.body!;
    expect(body.client_id).toMatch(/^ghc_[A-Za-z0-9_-]{22}$/);
    expect(body.client_id_issued_at).toBe(Math.floor(NOW.getTime() / 1000));
    expect(body).toMatchObject({
      client_name: 'Claude Desktop',
      redirect_uris: publicClient.redirect_uris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      application_type: 'web',
      software_id: 'claude',
      // Unknown (extension) fields are kept and echoed (§2, §3.2.1).
      'client_name#ja': 'クロード',
      custom_field: { a: 1 },
    });
    // A public client (`none`) gets no secret (§3.2.1: client_secret is OPTIONAL).
    expect(body).not.toHaveProperty('client_secret');
    expect(body).not.toHaveProperty('client_secret_expires_at');
  });

  it('RFC 7592 §3: also returns registration_access_token and registration_client_uri', async () => {
    const body = await register(publicClient);
    expect(body.registration_access_token).toMatch(/^gh_rat_/);
    expect(body.registration_client_uri).toBe(`https://gate.example.com/register/${body.client_id}`);
    const custom = await registerClient(store, publicClient, { ...ctx, registrationEndpoint: 'https://gate.example.com/oauth/register' });
    expect(custom.body!.registration_client_uri).toBe(`https://gate.example.com/oauth/register/${custom.body!.client_id}`);
  });

  it('stores a durable dynamic client with secrets only as hashes, and records a security event without secrets', async () => {
    const body = await register(publicClient);
    const stored = await store.findClient(body.client_id as string);
    expect(stored).toMatchObject({
      source: 'dynamic',
      name: 'Claude Desktop',
      secretHash: null,
      tokenEndpointAuthMethod: 'none',
      registrationAccessTokenHash: hashToken(body.registration_access_token as string),
      canIntrospect: false,
      disabled: false,
    });
    expect(store.events).toHaveLength(1);
    expect(store.events[0]).toMatchObject({ action: 'oauth.client_registered', targetType: 'client', targetId: body.client_id, ip: '203.0.113.9' });
    expect(JSON.stringify(store.events)).not.toContain(body.registration_access_token as string);
    expect(JSON.stringify(stored)).not.toContain(body.registration_access_token as string);
  });

  it('issues a distinct client_id per registration', async () => {
    const a = await register(publicClient);
    const b = await register(publicClient);
    expect(a.client_id).not.toBe(b.client_id);
    expect(store.clients.size).toBe(2);
  });

  it('§2: token_endpoint_auth_method defaults to client_secret_basic, so a secret is issued (expires_at 0 = never)', async () => {
    const { token_endpoint_auth_method: _omit, ...metadata } = publicClient;
    const body = await register(metadata);
    expect(body.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(body.client_secret).toMatch(/^gh_cs_/);
    expect(body.client_secret_expires_at).toBe(0);
    const stored = await store.findClient(body.client_id as string);
    expect(stored?.secretHash).toBe(hashToken(body.client_secret as string));
    expect(JSON.stringify(store.events)).not.toContain(body.client_secret as string);
  });

  it('§2: defaults grant_types to authorization_code, response_types to code, application_type to web, and names the client', async () => {
    const body = await register({ redirect_uris: ['https://app.example.com/cb'], token_endpoint_auth_method: 'none' });
    expect(body).toMatchObject({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'web',
      client_name: DEFAULT_CLIENT_NAME,
    });
    expect(body).not.toHaveProperty('scope');
  });

  it('§2: accepts known scopes and native applications', async () => {
    const body = await register({ ...publicClient, scope: 'mcp:read offline_access', application_type: 'native' });
    expect(body.scope).toBe('mcp:read offline_access');
    expect(body.application_type).toBe('native');
    expect((await store.findClient(body.client_id as string))?.scope).toBe('mcp:read offline_access');
  });

  it('RFC 9449 §5.2: keeps dpop_bound_access_tokens in the client\'s metadata, and refuses anything but a boolean', async () => {
    const body = await register({ ...publicClient, dpop_bound_access_tokens: true });
    expect(body.dpop_bound_access_tokens).toBe(true);
    expect((await store.findClient(body.client_id as string))?.metadata.dpop_bound_access_tokens).toBe(true);
    const err = await rejection(register({ ...publicClient, dpop_bound_access_tokens: 'yes' }));
    expect(err).toMatchObject({ code: 'invalid_client_metadata' });
    expect(err.description).toMatch(/dpop_bound_access_tokens/);
  });

  it('refuses client_credentials to anyone who registers: machine access is an administrator\'s decision', async () => {
    const err = await rejection(register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' }));
    expect(err).toMatchObject({ code: 'invalid_client_metadata', status: 400 });
    expect(err.description).toMatch(/client_credentials is only for clients an administrator creates/);
    const mixed = await rejection(register({ ...publicClient, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'client_credentials'] }));
    expect(mixed.code).toBe('invalid_client_metadata');
    expect(store.clients.size).toBe(0);
  });

  it('with registration off, refuses every registration with 403 access_denied and stores nothing', async () => {
    const err = await rejection(registerClient(store, publicClient, { ...ctx, policy: 'off' }));
    expect(err).toMatchObject({ code: 'access_denied', status: 403 });
    expect(err.description).toMatch(/does not accept dynamic client registration/);
    expect(store.clients.size).toBe(0);
    expect((await registerClient(store, publicClient, { ...ctx, policy: 'approval' })).status).toBe(201);
  });

  it('§3.1: ignores server-assigned fields sent by the client, and treats null as absent', async () => {
    const body = await register({ ...publicClient, client_id: 'ghc_chosen', client_secret: 'mine', registration_access_token: 'x', logo_uri: null });
    expect(body.client_id).not.toBe('ghc_chosen');
    expect(body).not.toHaveProperty('client_secret');
    expect(body.registration_access_token).not.toBe('x');
    expect(body).not.toHaveProperty('logo_uri');
  });

  describe('§3.2.2 errors', () => {
    it.each([
      ['http on a non-loopback host', ['http://app.example.com/cb']],
      ['a fragment', ['https://app.example.com/cb#frag']],
      ['a wildcard', ['https://*.example.com/cb']],
      ['a relative URI', ['/cb']],
      ['javascript:', ['javascript:alert(1)']],
    ])('invalid_redirect_uri for %s', async (_why, redirect_uris) => {
      const err = await rejection(registerClient(store, { ...publicClient, redirect_uris }, ctx));
      expect(err.code).toBe('invalid_redirect_uri');
      expect(err.status).toBe(400);
      expect(err.description).toContain('redirect_uris');
    });

    it('invalid_redirect_uri when redirect_uris is not an array of strings', async () => {
      expect((await rejection(registerClient(store, { ...publicClient, redirect_uris: 'https://app.example.com/cb' }, ctx))).code).toBe('invalid_redirect_uri');
      expect((await rejection(registerClient(store, { ...publicClient, redirect_uris: [1] }, ctx))).code).toBe('invalid_redirect_uri');
    });

    it('invalid_redirect_uri when the authorization_code grant comes without redirect_uris', async () => {
      const { redirect_uris: _omit, ...metadata } = publicClient;
      const err = await rejection(registerClient(store, metadata, ctx));
      expect(err.code).toBe('invalid_redirect_uri');
      expect(err.description).toMatch(/at least one redirect URI/);
    });

    it.each([
      ['an unsupported token_endpoint_auth_method', { token_endpoint_auth_method: 'private_key_jwt' }, /token_endpoint_auth_method/],
      ['an unsupported grant type', { grant_types: ['authorization_code', 'password'] }, /grant_types/],
      ['the implicit response type', { response_types: ['code', 'token'] }, /response_types/],
      ['inconsistent grant and response types (§2.1)', { response_types: [] }, /response_types/],
      ['client_credentials (an administrator\'s decision)', { grant_types: ['authorization_code', 'client_credentials'] }, /client_credentials is only for clients an administrator creates/],
      ['refresh_token without authorization_code', { grant_types: ['refresh_token'], response_types: [] }, /refresh_token/],
      ['an http logo_uri', { logo_uri: 'http://app.example.com/logo.png' }, /logo_uri/],
      ['a non-URL client_uri', { client_uri: 'not a url' }, /client_uri/],
      ['an http tos_uri', { tos_uri: 'http://app.example.com/tos' }, /tos_uri/],
      ['an https policy_uri with credentials', { policy_uri: 'https://u:p@app.example.com/p' }, /policy_uri/],
      ['an unknown scope', { scope: 'mcp:read admin:everything' }, /unknown scope: admin:everything/],
      ['a malformed scope', { scope: 'mcp:"read' }, /scope/],
      ['an unknown application_type', { application_type: 'desktop' }, /application_type/],
      ['a client_name over 200 characters', { client_name: 'x'.repeat(201) }, /client_name/],
      ['a client_name with control characters', { client_name: 'Good\u0000App' }, /client_name/],
      ['a client_name with a bidi override', { client_name: 'Evil\u202Eppa' }, /client_name/],
      ['contacts that are not strings', { contacts: [42] }, /contacts/],
      ['a client_uri that is not a string', { client_uri: 5 }, /client_uri/],
      ['oversized extension metadata', { blob: 'x'.repeat(20_000) }, /at most/],
    ])('invalid_client_metadata for %s', async (_why, change, message) => {
      const err = await rejection(registerClient(store, { ...publicClient, ...change }, ctx));
      expect(err.code).toBe('invalid_client_metadata');
      expect(err.status).toBe(400);
      expect(err.mayRedirect).toBe(false);
      expect(err.description).toMatch(message);
      expect(store.clients.size).toBe(0);
    });

    it.each([
      ['text that is not JSON', '{not json'],
      ['a JSON array', [publicClient]],
      ['a JSON string body', '"hello"'],
      ['null', null],
    ])('invalid_request for %s', async (_why, body) => {
      const err = await rejection(registerClient(store, body, ctx));
      expect(err.code).toBe('invalid_request');
    });

    it('accepts the body as raw JSON text too', async () => {
      const res = await registerClient(store, JSON.stringify(publicClient), ctx);
      expect(res.status).toBe(201);
    });
  });
});

describe('client configuration endpoint (RFC 7592)', () => {
  async function registered(metadata: Record<string, unknown> = publicClient) {
    const body = await register(metadata);
    return { clientId: body.client_id as string, token: body.registration_access_token as string, body };
  }

  describe('authentication (§2, RFC 6750 §3.1)', () => {
    it('401 invalid_token for a wrong registration access token', async () => {
      const { clientId } = await registered();
      const err = await rejection(readRegistration(store, clientId, 'gh_rat_wrong', ctx));
      expect(err.code).toBe('invalid_token');
      expect(err.status).toBe(401);
      expect(err.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    });

    it('401 invalid_token, not 404, for an unknown client (existence does not leak)', async () => {
      const { token } = await registered();
      const err = await rejection(readRegistration(store, 'ghc_doesnotexist0000000000', token, ctx));
      expect(err.code).toBe('invalid_token');
      expect(err.status).toBe(401);
    });

    it("401 for another client's token", async () => {
      const a = await registered();
      const b = await registered();
      const err = await rejection(readRegistration(store, a.clientId, b.token, ctx));
      expect(err.code).toBe('invalid_token');
    });

    it('401 with a bare Bearer challenge when no token is sent', async () => {
      const { clientId } = await registered();
      const err = await rejection(readRegistration(store, clientId, null, ctx));
      expect(err.code).toBe('invalid_token');
      expect(err.headers['WWW-Authenticate']).toBe('Bearer');
    });

    it('401 for clients not registered dynamically, and for disabled ones', async () => {
      const { clientId, token } = await registered();
      const stored = (await store.findClient(clientId))!;
      await store.updateClient(stored.id, { source: 'admin' });
      expect((await rejection(readRegistration(store, clientId, token, ctx))).code).toBe('invalid_token');
      await store.updateClient(stored.id, { source: 'dynamic', disabled: true });
      expect((await rejection(deleteRegistration(store, clientId, token, ctx))).code).toBe('invalid_token');
      expect(store.clients.size).toBe(1);
    });
  });

  it('§2.1 read: 200 with the registered metadata, the same token and registration_client_uri, never the secret', async () => {
    const { token_endpoint_auth_method: _omit, ...confidential } = publicClient;
    const { clientId, token, body: registeredBody } = await registered({ ...confidential, custom: 'kept' });
    const res = await readRegistration(store, clientId, token, ctx);
    expect(res.status).toBe(200);
    const { client_secret: _s, client_secret_expires_at: _e, ...withoutSecret } = registeredBody;
    expect(res.body).toEqual(withoutSecret);
    expect(res.body).not.toHaveProperty('client_secret');
  });

  describe('§2.2 update', () => {
    it('replaces the metadata: omitted fields are removed or defaulted', async () => {
      const { clientId, token } = await registered({ ...publicClient, logo_uri: 'https://app.example.com/logo.png', custom: 'x' });
      const res = await updateRegistration(
        store,
        clientId,
        token,
        { client_id: clientId, client_name: 'Renamed', redirect_uris: ['https://app.example.com/new'], token_endpoint_auth_method: 'none' },
        ctx,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        client_id: clientId,
        client_name: 'Renamed',
        redirect_uris: ['https://app.example.com/new'],
        grant_types: ['authorization_code'],
        registration_access_token: token,
      });
      expect(res.body).not.toHaveProperty('logo_uri');
      expect(res.body).not.toHaveProperty('custom');
      const stored = await store.findClient(clientId);
      expect(stored).toMatchObject({ name: 'Renamed', redirectUris: ['https://app.example.com/new'], logoUri: null });
      expect(store.events.at(-1)).toMatchObject({ action: 'oauth.client_updated', targetId: clientId });
      // The token stays valid (no rotation).
      expect((await readRegistration(store, clientId, token, ctx)).status).toBe(200);
    });

    it('requires client_id in the body, equal to the registration', async () => {
      const { clientId, token } = await registered();
      expect((await rejection(updateRegistration(store, clientId, token, publicClient, ctx))).code).toBe('invalid_client_metadata');
      expect((await rejection(updateRegistration(store, clientId, token, { ...publicClient, client_id: 'ghc_other' }, ctx))).code).toBe(
        'invalid_client_metadata',
      );
    });

    it('validates like registration (§2.2 → RFC 7591 §3.2.2)', async () => {
      const { clientId, token } = await registered();
      const err = await rejection(updateRegistration(store, clientId, token, { ...publicClient, client_id: clientId, redirect_uris: ['http://evil.example/cb'] }, ctx));
      expect(err.code).toBe('invalid_redirect_uri');
      expect((await store.findClient(clientId))?.redirectUris).toEqual(publicClient.redirect_uris);
    });

    it('cannot add client_credentials to a registration', async () => {
      const { token_endpoint_auth_method: _omit, ...confidential } = publicClient;
      const { clientId, token } = await registered(confidential);
      const err = await rejection(updateRegistration(store, clientId, token, { ...confidential, client_id: clientId, grant_types: ['authorization_code', 'client_credentials'] }, ctx));
      expect(err.code).toBe('invalid_client_metadata');
      expect((await store.findClient(clientId))?.grantTypes).toEqual(['authorization_code', 'refresh_token']);
    });

    it("a changed registration loses an administrator's approval; the same one sent again keeps it", async () => {
      const { clientId, token } = await registered();
      const approvedAt = new Date('2026-01-02T00:00:00Z');
      await store.updateClient((await store.findClient(clientId))!.id, { approvedAt });
      await updateRegistration(store, clientId, token, { ...publicClient, client_id: clientId }, ctx);
      expect((await store.findClient(clientId))?.approvedAt).toEqual(approvedAt);
      await updateRegistration(store, clientId, token, { ...publicClient, client_id: clientId, redirect_uris: ['https://elsewhere.example/cb'] }, ctx);
      expect((await store.findClient(clientId))?.approvedAt).toBeNull();
      expect(store.events.at(-1)).toMatchObject({ action: 'oauth.client_updated', details: { approvalWithdrawn: true } });
    });

    it('refuses a client-chosen client_secret but accepts the current one', async () => {
      const { token_endpoint_auth_method: _omit, ...confidential } = publicClient;
      const { clientId, token, body } = await registered(confidential);
      const err = await rejection(updateRegistration(store, clientId, token, { ...confidential, client_id: clientId, client_secret: 'chosen' }, ctx));
      expect(err.code).toBe('invalid_client_metadata');
      const ok = await updateRegistration(store, clientId, token, { ...confidential, client_id: clientId, client_secret: body.client_secret }, ctx);
      expect(ok.status).toBe(200);
      expect(ok.body).not.toHaveProperty('client_secret');
      expect((await store.findClient(clientId))?.secretHash).toBe(hashToken(body.client_secret as string));
    });

    it('moving to none drops the secret; moving to a secret method issues one', async () => {
      const { clientId, token } = await registered();
      const toBasic = await updateRegistration(store, clientId, token, { ...publicClient, client_id: clientId, token_endpoint_auth_method: 'client_secret_basic' }, ctx);
      expect(toBasic.body?.client_secret).toMatch(/^gh_cs_/);
      expect(toBasic.body?.client_secret_expires_at).toBe(0);
      expect((await store.findClient(clientId))?.secretHash).toBe(hashToken(toBasic.body?.client_secret as string));
      const toNone = await updateRegistration(store, clientId, token, { ...publicClient, client_id: clientId }, ctx);
      expect(toNone.body).not.toHaveProperty('client_secret');
      expect((await store.findClient(clientId))?.secretHash).toBeNull();
    });
  });

  it('§2.3 delete: 204, the client is gone, and its token no longer works', async () => {
    const { clientId, token } = await registered();
    const res = await deleteRegistration(store, clientId, token, ctx);
    expect(res).toEqual({ status: 204, body: null });
    expect(await store.findClient(clientId)).toBeNull();
    expect(store.events.at(-1)).toMatchObject({ action: 'oauth.client_deleted', targetId: clientId });
    expect((await rejection(readRegistration(store, clientId, token, ctx))).code).toBe('invalid_token');
  });
});
