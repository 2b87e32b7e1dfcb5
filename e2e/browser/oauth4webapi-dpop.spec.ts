// DPoP (RFC 9449) against the running server with oauth4webapi's own proofs: a
// client registered for bound tokens (§5.2) is approved in the browser, its
// code exchange and refresh carry proofs and get DPoP tokens bound to its key
// (cnf.jkt, shown by introspection), and its refresh token is refused without
// the key or with another one. The account page marks the grant as key-bound.
import { expect, test } from '@playwright/test';
import * as oauth from 'oauth4webapi';
import { startCallbackServer, type CallbackServer } from '../fixtures/loopback-servers';
import { ISSUER, introspectionClientFromCli } from '../fixtures/oauth';
import { discover, insecure, registerAndApprove } from '../fixtures/oauth4webapi';
import { edgeHeaders } from '../fixtures/server-env';

let callback: CallbackServer;
test.beforeAll(async () => {
  callback = await startCallbackServer();
});
test.afterAll(async () => {
  await callback?.close();
});

const newKeyPair = () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>;

test('oauth4webapi: a DPoP-bound code exchange and refresh; the refresh token is useless without the key', async ({ browser }) => {
  const as = await discover();
  expect(as.dpop_signing_alg_values_supported).toContain('ES256');
  const { client, registered, clientName, email, state, codeVerifier, callbackUrl } = await registerAndApprove(browser, as, callback, {
    name: 'o4w-dpop',
    scope: 'mcp:tools offline_access',
    screenshot: 'oauth4webapi-dpop',
    metadata: { dpop_bound_access_tokens: true },
  });
  expect(registered.dpop_bound_access_tokens).toBe(true);
  const keyPair = await newKeyPair();
  const DPoP = oauth.DPoP(client, keyPair);
  const jkt = await DPoP.calculateThumbprint();

  const params = oauth.validateAuthResponse(as, client, callbackUrl, state);

  // The client registered for bound tokens: without a proof the exchange is refused (the code is untouched).
  const withoutProof = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, callback.redirectUri, codeVerifier, insecure);
  await expect(oauth.processAuthorizationCodeResponse(as, client, withoutProof)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });

  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, callback.redirectUri, codeVerifier, { DPoP, ...insecure }),
  );
  expect(tokens.token_type).toBe('dpop');
  expect(tokens.refresh_token).toMatch(/^gh_rt_/);

  const rsCredentials = await introspectionClientFromCli();
  const rsClient: oauth.Client = { client_id: rsCredentials.client_id };
  const introspect = async (token: string) =>
    oauth.processIntrospectionResponse(as, rsClient, await oauth.introspectionRequest(as, rsClient, oauth.ClientSecretBasic(rsCredentials.client_secret), token, insecure));
  expect(await introspect(tokens.access_token)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt } });

  // The refresh token is bound to the key: refused without a proof and with another key's.
  const bare = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure);
  await expect(oauth.processRefreshTokenResponse(as, client, bare)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });
  const otherKey = oauth.DPoP(client, await newKeyPair());
  const stolen = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { DPoP: otherKey, ...insecure });
  await expect(oauth.processRefreshTokenResponse(as, client, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });

  const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { DPoP, ...insecure }));
  expect(refreshed.token_type).toBe('dpop');
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  expect(await introspect(refreshed.access_token)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt } });

  // The user sees the grant as key-bound.
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(email) });
  try {
    const page = await context.newPage();
    await page.goto(`${ISSUER}/account`);
    const row = page.getByTestId('grant-row').filter({ hasText: clientName });
    await expect(row.getByTestId('key-bound')).toHaveText('key-bound (DPoP)');
    await page.screenshot({ path: 'e2e/.output/screenshots/account-key-bound-grant.png', fullPage: true });
  } finally {
    await context.close();
  }
});
