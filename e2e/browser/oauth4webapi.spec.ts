// Gatehouse through oauth4webapi, a strict OAuth 2 / OIDC client, with all of
// its validations on (only plain http is allowed, for localhost): discovery
// with the exact issuer, dynamic registration, PKCE S256, the authorization
// response's iss (RFC 9207), code exchange, refresh rotation, RFC 9068
// access-token validation, introspection (RFC 7662) and revocation (RFC 7009).
import { expect, test } from '@playwright/test';
import * as oauth from 'oauth4webapi';
import { startCallbackServer, type CallbackServer } from '../fixtures/loopback-servers';
import { ISSUER, introspectionClientFromCli } from '../fixtures/oauth';
import { discover, insecure, registerAndApprove } from '../fixtures/oauth4webapi';

let callback: CallbackServer;
test.beforeAll(async () => {
  callback = await startCallbackServer();
});
test.afterAll(async () => {
  await callback?.close();
});

test('oauth4webapi: discovery, registration, PKCE, iss, code, refresh, introspection and revocation', async ({ browser }) => {
  const issuer = new URL(ISSUER);

  const as = await discover();
  expect(as.issuer).toBe(ISSUER);
  expect(as.code_challenge_methods_supported).toEqual(['S256']);
  expect(as.authorization_response_iss_parameter_supported).toBe(true);
  // RFC 9728: Gatehouse's own API names Gatehouse as its authorization server.
  const rs = await oauth.processResourceDiscoveryResponse(issuer, await oauth.resourceDiscoveryRequest(issuer, insecure));
  expect(rs.authorization_servers).toEqual([ISSUER]);

  // RFC 7591 registration of a public client, and an authorization request with
  // PKCE S256 and state; no resource, so the audience is the issuer.
  const { client, state, codeVerifier, callbackUrl } = await registerAndApprove(browser, as, callback, { name: 'oauth4webapi', scope: 'openid mcp:tools offline_access', screenshot: 'oauth4webapi' });
  expect(client.client_id).toMatch(/^ghc_/);

  // validateAuthResponse checks state and — the metadata advertising it — iss.
  const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
  expect(() => oauth.validateAuthResponse(as, client, withParam(callbackUrl, 'iss', `${ISSUER}/`), state)).toThrow(/iss/);

  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, callback.redirectUri, codeVerifier, insecure),
  );
  expect(tokens.token_type.toLowerCase()).toBe('bearer');
  expect(tokens.refresh_token).toMatch(/^gh_rt_/);
  expect(tokens.scope).toBe('openid mcp:tools offline_access');

  // RFC 9068 validation of the JWT access token, as a resource server would do it.
  const claims = await oauth.validateJwtAccessToken(as, bearerRequest(tokens.access_token), ISSUER, insecure);
  expect(claims).toMatchObject({ iss: ISSUER, aud: ISSUER, client_id: client.client_id, scope: 'openid mcp:tools offline_access' });

  // Refresh rotates the refresh token.
  const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure));
  expect(refreshed.access_token).not.toBe(tokens.access_token);
  expect(refreshed.refresh_token).toMatch(/^gh_rt_/);
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  const refreshedClaims = await oauth.validateJwtAccessToken(as, bearerRequest(refreshed.access_token), ISSUER, insecure);
  expect(refreshedClaims.sub).toBe(claims.sub);

  // Introspection by a confidential resource-server client (created with the CLI).
  const rsCredentials = await introspectionClientFromCli();
  const rsClient: oauth.Client = { client_id: rsCredentials.client_id };
  const rsAuth = oauth.ClientSecretBasic(rsCredentials.client_secret);
  const introspect = async (token: string) =>
    oauth.processIntrospectionResponse(as, rsClient, await oauth.introspectionRequest(as, rsClient, rsAuth, token, insecure));

  const access = await introspect(refreshed.access_token);
  expect(access).toMatchObject({ active: true, iss: ISSUER, sub: claims.sub, client_id: client.client_id, aud: ISSUER, token_type: 'Bearer', token_kind: 'access_token' });
  expect(access.workspaces).toEqual([]);
  expect(access.tools).toEqual(['*']);
  // The refresh token that was rotated away is not active (whether a resource server
  // may see a live refresh token as active at all is the server's policy; not pinned here).
  expect(await introspect(tokens.refresh_token!)).toEqual({ active: false });

  // RFC 7009: the client revokes its refresh token; the whole family goes,
  // the access token issued with it included.
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure));
  expect(await introspect(refreshed.refresh_token!)).toEqual({ active: false });
  expect(await introspect(refreshed.access_token)).toEqual({ active: false });
  const afterRevocation = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure);
  await expect(oauth.processRefreshTokenResponse(as, client, afterRevocation)).rejects.toMatchObject({ error: 'invalid_grant' });
});

function withParam(url: URL, name: string, value: string): URL {
  const copy = new URL(url);
  copy.searchParams.set(name, value);
  return copy;
}

function bearerRequest(accessToken: string): Request {
  return new Request(`${ISSUER}/api/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
}
