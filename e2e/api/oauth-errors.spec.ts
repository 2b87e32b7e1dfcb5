// What Gatehouse answers when an OAuth request is wrong: the exact RFC error
// code, HTTP status, and where the error goes (a page for the user when the
// client or redirect URI can't be trusted; the client's redirect URI, with
// state and iss, otherwise — at once for a client an administrator made, after
// the user has seen a page for a self-registered one, RFC 9700 §4.11.2). Plus
// the discovery and header guarantees that strict clients rely on.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { queryE2eDatabase } from '../fixtures/database';
import {
  API_REDIRECT_URI,
  ISSUER,
  adminPublicClientFromCli,
  answerConsent,
  anonymousApi,
  authorizeCode,
  authorizePath,
  basicAuthorization,
  expectOAuthError,
  expectTokens,
  introspectionClientFromCli,
  pkcePair,
  postToken,
  redeemCode,
  refreshGrant,
  registerClient,
  signedInApi,
  tokensFor,
  unique,
  uniqueEmail,
  type Registration,
} from '../fixtures/oauth';

let api: APIRequestContext;
/** A public client, as MCP clients register themselves. */
let publicClient: Registration;
/** A public client an administrator made with the CLI. */
let adminClient: { client_id: string };
/** A confidential client (client_secret_basic). */
let confidentialClient: Registration;

test.beforeAll(async () => {
  api = await anonymousApi();
  publicClient = await registerClient(api, { client_name: unique('Errors public client') });
  adminClient = await adminPublicClientFromCli(unique('Errors admin client'));
  confidentialClient = await registerClient(api, { client_name: unique('Errors confidential client'), token_endpoint_auth_method: 'client_secret_basic' });
  expect(confidentialClient.client_secret).toMatch(/^gh_cs_/);
});
test.afterAll(async () => {
  await api?.dispose();
});

/** A well-formed authorization request for the admin-made client; override or drop (null) any parameter. */
function authorizeRequest(overrides: Record<string, string | null> = {}): Record<string, string | null> {
  return {
    response_type: 'code',
    client_id: adminClient.client_id,
    redirect_uri: API_REDIRECT_URI,
    scope: 'mcp:tools',
    state: unique('state'),
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
}

/** The authorization error went back to the client: 303 to the redirect URI with error, state and iss, and no code. */
async function expectErrorRedirect(params: Record<string, string | null>, error: string) {
  const res = await api.get(authorizePath(params), { maxRedirects: 0 });
  expect(res.status(), await res.text()).toBe(303);
  expect(res.headers()['cache-control']).toBe('no-store');
  const location = new URL(res.headers()['location']);
  expect(`${location.origin}${location.pathname}`).toBe(API_REDIRECT_URI);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('error_description')).toBeTruthy();
  expect(location.searchParams.get('state')).toBe(params.state);
  expect(location.searchParams.get('iss')).toBe(ISSUER);
  expect(location.searchParams.has('code')).toBe(false);
  return location;
}

/** The authorization error was shown to the user: a 400 page, no redirect anywhere. */
async function expectErrorPage(params: Record<string, string | null>, message: RegExp) {
  const res = await api.get(authorizePath(params), { maxRedirects: 0 });
  expect(res.status()).toBe(400);
  expect(res.headers()['location']).toBeUndefined();
  expect(res.headers()['content-type']).toMatch(/^text\/html/);
  const html = await res.text();
  expect(html).toContain('This sign-in link is not valid');
  expect(html).toMatch(message);
  expect(html).not.toContain(API_REDIRECT_URI);
}

test.describe('authorization endpoint', () => {
  test('an unknown client_id gets a 400 page and no redirect', async () => {
    await expectErrorPage(authorizeRequest({ client_id: 'ghc_no_such_client_0000000' }), /unknown client/);
  });

  test('an unregistered redirect_uri gets a 400 page and no redirect, and is audited', async () => {
    const evil = 'https://evil.example/callback';
    const res = await api.get(authorizePath(authorizeRequest({ redirect_uri: evil })), { maxRedirects: 0 });
    expect(res.status()).toBe(400);
    expect(res.headers()['location']).toBeUndefined();
    expect(await res.text()).toContain('redirect_uri is not registered for this client');
    const events = queryE2eDatabase<{ details: string }>(`SELECT details FROM "AuditEvent" WHERE action = 'oauth.redirect_uri_rejected' AND targetId = ?`, adminClient.client_id);
    expect(events.some((e) => e.details.includes(evil))).toBe(true);
  });

  test('a loopback redirect URI on another port is still the registered one (RFC 8252 §7.3)', async () => {
    // Reaching the sign-in step means the request passed validation.
    const res = await api.get(authorizePath(authorizeRequest({ redirect_uri: 'http://127.0.0.1:45678/callback' })), { maxRedirects: 0 });
    expect(res.status()).toBe(401);
  });

  test('a missing code_challenge is invalid_request, sent back with state and iss', async () => {
    await expectErrorRedirect(authorizeRequest({ code_challenge: null }), 'invalid_request');
  });

  test('code_challenge_method=plain is invalid_request', async () => {
    const { verifier } = pkcePair();
    await expectErrorRedirect(authorizeRequest({ code_challenge: verifier, code_challenge_method: 'plain' }), 'invalid_request');
  });

  test('a missing code_challenge_method is invalid_request (S256 is not assumed)', async () => {
    await expectErrorRedirect(authorizeRequest({ code_challenge_method: null }), 'invalid_request');
  });

  test('response_type=token is unsupported_response_type', async () => {
    await expectErrorRedirect(authorizeRequest({ response_type: 'token' }), 'unsupported_response_type');
  });

  test('an unknown scope is invalid_scope', async () => {
    await expectErrorRedirect(authorizeRequest({ scope: 'mcp:tools no-such-scope' }), 'invalid_scope');
  });

  test('a resource with a fragment is invalid_target', async () => {
    await expectErrorRedirect(authorizeRequest({ resource: `${ISSUER}/mcp#fragment` }), 'invalid_target');
  });

  test('a self-registered client gets its errors on a page naming it and its host, with a link back; nothing is redirected before the user acts (RFC 9700 §4.11.2)', async () => {
    const params = authorizeRequest({ client_id: publicClient.client_id, response_type: 'token' });
    const res = await api.get(authorizePath(params), { maxRedirects: 0 });
    expect(res.status()).toBe(400);
    expect(res.headers()['location']).toBeUndefined();
    expect(res.headers()['x-frame-options']).toBe('DENY');
    expect(res.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain(`${publicClient.client_name} made a request Gatehouse cannot accept`);
    expect(html).toContain('only response_type=code is supported');
    expect(html).toContain('Return to 127.0.0.1:8976');
    const href = /<a href="([^"]*)"/.exec(html)![1].replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    const back = new URL(href);
    expect(`${back.origin}${back.pathname}`).toBe(API_REDIRECT_URI);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'unsupported_response_type', state: params.state, iss: ISSUER });
  });

  test('Deny on the consent page sends access_denied with state and iss at once, to a self-registered client too (the user acted)', async () => {
    const user = await signedInApi(uniqueEmail('denier'));
    const state = unique('state');
    const location = await answerConsent(user, { client_id: publicClient.client_id, scope: 'mcp:tools', state, code_challenge: pkcePair().challenge }, 'deny');
    expect(`${location.origin}${location.pathname}`).toBe(API_REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('iss')).toBe(ISSUER);
    expect(location.searchParams.has('code')).toBe(false);
    await user.dispose();
  });

  test('a consent answer posted from another origin is refused', async () => {
    const user = await signedInApi(uniqueEmail('csrf'));
    const res = await user.post('/oauth/authorize/decision', { form: { ticket: 'x', decision: 'allow' }, headers: { Origin: 'https://evil.example' }, maxRedirects: 0 });
    expect(res.status()).toBe(403);
    expect(res.headers()['location']).toBeUndefined();
    // `Origin: null` (what a no-referrer page sends) only counts when the browser says same-origin.
    const opaqueOrigins: Record<string, string>[] = [{ Origin: 'null' }, { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }];
    for (const headers of opaqueOrigins) {
      const opaque = await user.post('/oauth/authorize/decision', { form: { ticket: 'x', decision: 'allow' }, headers, maxRedirects: 0 });
      expect(opaque.status()).toBe(403);
    }
    await user.dispose();
  });
});

test.describe('token endpoint', () => {
  test('a wrong code_verifier is invalid_grant', async () => {
    const user = await signedInApi(uniqueEmail('pkce'));
    const issued = await authorizeCode(user, publicClient.client_id);
    await expectOAuthError(await redeemCode(user, publicClient.client_id, issued, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
    await user.dispose();
  });

  test('a redirect_uri other than the authorization request’s is invalid_grant', async () => {
    const user = await signedInApi(uniqueEmail('redirect'));
    const issued = await authorizeCode(user, publicClient.client_id);
    await expectOAuthError(await redeemCode(user, publicClient.client_id, issued, { redirect_uri: 'http://127.0.0.1:8976/other' }), 400, 'invalid_grant');
    await user.dispose();
  });

  test('a reused code is invalid_grant and revokes what the first redemption issued', async () => {
    const user = await signedInApi(uniqueEmail('replay'));
    const issued = await authorizeCode(user, publicClient.client_id);
    const first = await expectTokens(await redeemCode(user, publicClient.client_id, issued));
    expect(first.refresh_token).toMatch(/^gh_rt_/);

    await expectOAuthError(await redeemCode(user, publicClient.client_id, issued), 400, 'invalid_grant');
    await expectOAuthError(await refreshGrant(user, publicClient.client_id, first.refresh_token!), 400, 'invalid_grant');
    const rs = await introspectionClientFromCli();
    const introspection = await api.post('/oauth/introspect', { form: { token: first.access_token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } });
    expect(await introspection.json()).toEqual({ active: false });
    await user.dispose();
  });

  test('an unknown client is 401 invalid_client', async () => {
    const res = await postToken(api, { grant_type: 'authorization_code', client_id: 'ghc_no_such_client_0000000', code: 'gh_ac_x', code_verifier: pkcePair().verifier, redirect_uri: API_REDIRECT_URI });
    await expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers()['cache-control']).toBe('no-store');
  });

  test('a confidential client with a bad secret is 401 invalid_client with WWW-Authenticate', async () => {
    const res = await postToken(
      api,
      { grant_type: 'authorization_code', code: 'gh_ac_x', code_verifier: pkcePair().verifier, redirect_uri: API_REDIRECT_URI },
      { Authorization: basicAuthorization(confidentialClient.client_id, 'gh_cs_not-the-secret') },
    );
    await expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers()['www-authenticate']).toMatch(/^Basic realm=/);
  });

  test('a confidential client without its secret is 401 invalid_client', async () => {
    const res = await postToken(api, { grant_type: 'authorization_code', client_id: confidentialClient.client_id, code: 'gh_ac_x', code_verifier: pkcePair().verifier, redirect_uri: API_REDIRECT_URI });
    await expectOAuthError(res, 401, 'invalid_client');
  });

  test('an unsupported grant_type is unsupported_grant_type', async () => {
    await expectOAuthError(await postToken(api, { grant_type: 'password', client_id: publicClient.client_id, username: 'u', password: 'p' }), 400, 'unsupported_grant_type');
  });

  test('a missing grant_type is invalid_request', async () => {
    await expectOAuthError(await postToken(api, { client_id: publicClient.client_id, code: 'gh_ac_x' }), 400, 'invalid_request');
  });

  test('a JSON body instead of a form is invalid_request', async () => {
    const res = await api.post('/oauth/token', { data: { grant_type: 'authorization_code', client_id: publicClient.client_id, code: 'gh_ac_x' } });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  test('GET /oauth/token is 405 with Allow: POST', async () => {
    const res = await api.get('/oauth/token');
    expect(res.status()).toBe(405);
    expect(res.headers()['allow']).toBe('POST');
  });

  test('token responses, successes and errors, carry Cache-Control: no-store', async () => {
    const { api: user, tokens } = await tokensFor(publicClient.client_id);
    expect(tokens.refresh_token).toBeTruthy(); // expectTokens checked no-store on the success
    const error = await refreshGrant(user, publicClient.client_id, 'gh_rt_not-a-refresh-token');
    await expectOAuthError(error, 400, 'invalid_grant');
    expect(error.headers()['cache-control']).toBe('no-store');
    expect(error.headers()['pragma']).toBe('no-cache');
    await user.dispose();
  });

  test('a CORS preflight on /oauth/token is answered for any origin', async () => {
    const res = await api.fetch('/oauth/token', {
      method: 'OPTIONS',
      headers: { Origin: 'https://mcp-client.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(res.status()).toBe(204);
    const headers = res.headers();
    expect(headers['access-control-allow-origin']).toBe('*');
    expect(headers['access-control-allow-methods']).toContain('POST');
    expect(headers['access-control-allow-headers']?.toLowerCase()).toContain('content-type');
    // The actual response carries it too.
    const post = await postToken(api, { grant_type: 'password' }, { Origin: 'https://mcp-client.example' });
    expect(post.headers()['access-control-allow-origin']).toBe('*');
  });

  test('a refresh retried inside the grace window gets the same tokens back', async () => {
    const { api: user, tokens } = await tokensFor(publicClient.client_id);
    const original = tokens.refresh_token!;

    const rotated = await expectTokens(await refreshGrant(user, publicClient.client_id, original));
    expect(rotated.refresh_token).not.toBe(original);
    // The client lost that response and retries: the same tokens again, nothing revoked.
    const retried = await expectTokens(await refreshGrant(user, publicClient.client_id, original));
    expect(retried).toEqual(rotated);
    const newest = await expectTokens(await refreshGrant(user, publicClient.client_id, rotated.refresh_token!));
    expect(newest.refresh_token).not.toBe(rotated.refresh_token);
    await user.dispose();
  });

  test('reusing the original refresh token after a second rotation revokes the family', async () => {
    // Once the successor has itself been rotated the client evidently did not
    // lose the response: presenting the original again is reuse, not a retry.
    const { api: user, tokens } = await tokensFor(publicClient.client_id);
    const original = tokens.refresh_token!;
    const rotated = await expectTokens(await refreshGrant(user, publicClient.client_id, original));
    const newest = await expectTokens(await refreshGrant(user, publicClient.client_id, rotated.refresh_token!));
    expect(newest.refresh_token).not.toBe(rotated.refresh_token);

    // The original shows up again after two rotations: reuse (a stolen token), not a retry.
    await expectOAuthError(await refreshGrant(user, publicClient.client_id, original), 400, 'invalid_grant');
    // The whole family is revoked: the newest refresh token no longer works either.
    await expectOAuthError(await refreshGrant(user, publicClient.client_id, newest.refresh_token!), 400, 'invalid_grant');
    await user.dispose();
  });
});

test.describe('introspection and registration', () => {
  test('introspection by a client without canIntrospect is 403', async () => {
    const res = await api.post('/oauth/introspect', {
      form: { token: 'anything' },
      headers: { Authorization: basicAuthorization(confidentialClient.client_id, confidentialClient.client_secret!) },
    });
    await expectOAuthError(res, 403, 'unauthorized_client');
  });

  test('introspection without client authentication is 401 invalid_client', async () => {
    await expectOAuthError(await api.post('/oauth/introspect', { form: { token: 'anything' } }), 401, 'invalid_client');
  });

  test('registering an http redirect URI on a public host is invalid_redirect_uri', async () => {
    const res = await api.post('/oauth/register', { data: { client_name: unique('evil'), redirect_uris: ['http://evil.example/callback'], token_endpoint_auth_method: 'none' } });
    await expectOAuthError(res, 400, 'invalid_redirect_uri');
  });

  test('registering with token_endpoint_auth_method=private_key_jwt is invalid_client_metadata', async () => {
    const res = await api.post('/oauth/register', { data: { client_name: unique('pkjwt'), redirect_uris: [API_REDIRECT_URI], token_endpoint_auth_method: 'private_key_jwt' } });
    await expectOAuthError(res, 400, 'invalid_client_metadata');
  });
});

test.describe('discovery', () => {
  test('the metadata issuer is the issuer byte for byte, with S256 only and iss in authorization responses', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await api.get(path);
      expect(res.status()).toBe(200);
      expect(res.headers()['access-control-allow-origin']).toBe('*');
      const raw = await res.text();
      expect(raw).toContain(`"issuer":${JSON.stringify(ISSUER)}`);
      const metadata = JSON.parse(raw) as Record<string, unknown>;
      expect(metadata.issuer).toBe(ISSUER);
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
      expect(metadata.response_types_supported).toEqual(['code']);
      expect(metadata.token_endpoint).toBe(`${ISSUER}/oauth/token`);
    }
    const resource = (await (await api.get('/.well-known/oauth-protected-resource')).json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ resource: ISSUER, authorization_servers: [ISSUER] });
  });
});
