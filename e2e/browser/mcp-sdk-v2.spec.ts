// An MCP client on the v2 TypeScript SDK (@modelcontextprotocol/client), the
// strict generation: it checks that the metadata's `issuer` echoes the
// authorization server URL (RFC 8414 §3.3) and the `iss` of the authorization
// response (RFC 9207). Discovery, registration (dynamic, or a Client ID
// Metadata Document), consent in Chromium, code exchange and refresh.
import { expect, test } from '@playwright/test';
import { IssuerMismatchError, auth } from '@modelcontextprotocol/client';
import { serveClientMetadataDocument, startCallbackServer, type CallbackServer } from '../fixtures/loopback-servers';
import { InMemoryOAuthClientProvider } from '../fixtures/mcp-oauth-provider';
import { ISSUER, approveInBrowser, unique, uniqueEmail, verifyAccessToken } from '../fixtures/oauth';

let callback: CallbackServer;
test.beforeAll(async () => {
  callback = await startCallbackServer();
});
test.afterAll(async () => {
  await callback?.close();
});

async function completeFlow(provider: InMemoryOAuthClientProvider, browser: Parameters<typeof approveInBrowser>[0], opts: { clientName: string; clientId: string; screenshot: string }) {
  const authorizationUrl = provider.lastAuthorizationUrl();
  expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${ISSUER}/oauth/authorize`);
  expect(authorizationUrl.searchParams.get('client_id')).toBe(opts.clientId);
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
  // v2 adds offline_access when the server lists it and the client wants refresh tokens.
  expect(authorizationUrl.searchParams.get('scope')?.split(' ')).toContain('offline_access');
  const resource = authorizationUrl.searchParams.get('resource');
  expect(resource).toBe(ISSUER);

  const response = await approveInBrowser(browser, authorizationUrl, {
    email: uniqueEmail('sdk-v2'),
    clientName: opts.clientName,
    clientId: opts.clientId,
    redirectHost: `127.0.0.1:${callback.port}`,
    redirectUri: callback.redirectUri,
    screenshot: opts.screenshot,
  });
  const code = response.searchParams.get('code');
  const iss = response.searchParams.get('iss');
  expect(code).toBeTruthy();
  expect(response.searchParams.get('state')).toBe(provider.lastState);
  expect(iss).toBe(ISSUER);

  // The SDK refuses a response whose iss is not the issuer — before spending the code.
  const mixUp = auth(provider.asV2(), { serverUrl: ISSUER, authorizationCode: code!, iss: `${ISSUER}/` });
  await expect(mixUp).rejects.toBeInstanceOf(IssuerMismatchError);

  expect(await auth(provider.asV2(), { serverUrl: ISSUER, authorizationCode: code!, iss: iss! })).toBe('AUTHORIZED');
  const first = provider.tokens();
  expect(first).toMatchObject({ token_type: 'Bearer', refresh_token: expect.stringMatching(/^gh_rt_/), issuer: ISSUER });
  const { payload } = await verifyAccessToken(first.access_token, resource ?? ISSUER);
  expect(payload.client_id).toBe(opts.clientId);
  expect(String(payload.scope).split(' ')).toContain('offline_access');

  // With a refresh token stored, auth() refreshes instead of redirecting.
  expect(await auth(provider.asV2(), { serverUrl: ISSUER })).toBe('AUTHORIZED');
  const second = provider.tokens();
  expect(second.access_token).not.toBe(first.access_token);
  expect(second.refresh_token).toMatch(/^gh_rt_/);
  expect(second.refresh_token).not.toBe(first.refresh_token);
  const refreshed = await verifyAccessToken(second.access_token, resource ?? ISSUER);
  expect(refreshed.payload.sub).toBe(payload.sub);
  expect(refreshed.payload.jti).not.toBe(payload.jti);

  expect(provider.authorizationUrls).toHaveLength(1);
  expect(provider.invalidations).toEqual([]);
}

test('v2 SDK: dynamic client registration, consent, iss check, code exchange and refresh', async ({ browser }) => {
  const clientName = unique('MCP SDK v2 (DCR)');
  const provider = new InMemoryOAuthClientProvider({ redirectUrl: callback.redirectUri, clientName });

  expect(await auth(provider.asV2(), { serverUrl: ISSUER })).toBe('REDIRECT');
  const registered = provider.clientInformation();
  expect(registered.client_id).toMatch(/^ghc_/);
  expect(registered).toMatchObject({ client_name: clientName, redirect_uris: [callback.redirectUri], token_endpoint_auth_method: 'none', issuer: ISSUER });
  expect(registered.client_secret).toBeUndefined();
  expect(provider.discoveryState()).toMatchObject({ authorizationServerUrl: ISSUER, authorizationServerMetadata: { issuer: ISSUER } });

  await completeFlow(provider, browser, { clientName, clientId: registered.client_id, screenshot: 'sdk-v2-dcr' });
});

test('v2 SDK: Client ID Metadata Document, consent, iss check, code exchange and refresh', async ({ browser }) => {
  const clientName = unique('MCP SDK v2 (CIMD)');
  const document = await serveClientMetadataDocument((clientId) => ({
    client_id: clientId,
    client_name: clientName,
    redirect_uris: [callback.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  }));
  try {
    const provider = new InMemoryOAuthClientProvider({ redirectUrl: callback.redirectUri, clientName, clientMetadataUrl: document.clientId });

    expect(await auth(provider.asV2(), { serverUrl: ISSUER })).toBe('REDIRECT');
    expect(provider.clientInformation()).toMatchObject({ client_id: document.clientId, issuer: ISSUER });
    expect(document.fetches).toBe(0);

    await completeFlow(provider, browser, { clientName, clientId: document.clientId, screenshot: 'sdk-v2-cimd' });
    expect(document.fetches).toBeGreaterThanOrEqual(1);
  } finally {
    await document.close();
  }
});
