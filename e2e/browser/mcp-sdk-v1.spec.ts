// An MCP client on the v1 TypeScript SDK (@modelcontextprotocol/sdk) against
// Gatehouse: discovery, registration (dynamic, or a Client ID Metadata
// Document), consent in Chromium, code exchange and refresh — all through the
// SDK's own auth().
import { expect, test } from '@playwright/test';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
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

/** From the SDK's authorization URL to refreshed tokens; returns the provider's token sets. */
async function completeFlow(provider: InMemoryOAuthClientProvider, browser: Parameters<typeof approveInBrowser>[0], opts: { clientName: string; clientId: string; screenshot: string }) {
  const authorizationUrl = provider.lastAuthorizationUrl();
  expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${ISSUER}/oauth/authorize`);
  expect(authorizationUrl.searchParams.get('client_id')).toBe(opts.clientId);
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(callback.redirectUri);
  // Gatehouse's protected resource metadata names Gatehouse itself.
  const resource = authorizationUrl.searchParams.get('resource');
  expect(resource).toBe(ISSUER);

  const response = await approveInBrowser(browser, authorizationUrl, {
    email: uniqueEmail('sdk-v1'),
    clientName: opts.clientName,
    clientId: opts.clientId,
    redirectHost: `127.0.0.1:${callback.port}`,
    redirectUri: callback.redirectUri,
    screenshot: opts.screenshot,
  });
  const code = response.searchParams.get('code');
  expect(code).toBeTruthy();
  expect(response.searchParams.get('state')).toBe(provider.lastState);
  expect(response.searchParams.get('iss')).toBe(ISSUER);

  expect(await auth(provider.asV1(), { serverUrl: ISSUER, authorizationCode: code! })).toBe('AUTHORIZED');
  const first = provider.tokens();
  expect(first).toMatchObject({ token_type: 'Bearer', refresh_token: expect.stringMatching(/^gh_rt_/) });
  const { payload } = await verifyAccessToken(first.access_token, resource ?? ISSUER);
  expect(payload.client_id).toBe(opts.clientId);

  // With a refresh token stored, auth() refreshes instead of redirecting.
  expect(await auth(provider.asV1(), { serverUrl: ISSUER })).toBe('AUTHORIZED');
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

test('v1 SDK: dynamic client registration, consent, code exchange and refresh', async ({ browser }) => {
  const clientName = unique('MCP SDK v1 (DCR)');
  const provider = new InMemoryOAuthClientProvider({ redirectUrl: callback.redirectUri, clientName });

  expect(await auth(provider.asV1(), { serverUrl: ISSUER })).toBe('REDIRECT');
  const registered = provider.clientInformation();
  expect(registered.client_id).toMatch(/^ghc_/);
  expect(registered).toMatchObject({ client_name: clientName, redirect_uris: [callback.redirectUri], token_endpoint_auth_method: 'none' });
  expect(registered.client_secret).toBeUndefined();

  await completeFlow(provider, browser, { clientName, clientId: registered.client_id, screenshot: 'sdk-v1-dcr' });
});

test('v1 SDK: Client ID Metadata Document, consent, code exchange and refresh', async ({ browser }) => {
  const clientName = unique('MCP SDK v1 (CIMD)');
  const document = await serveClientMetadataDocument((clientId) => ({
    client_id: clientId,
    client_name: clientName,
    redirect_uris: [callback.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  }));
  try {
    const provider = new InMemoryOAuthClientProvider({ redirectUrl: callback.redirectUri, clientName, clientMetadataUrl: document.clientId });

    // The metadata advertises client_id_metadata_document_supported: no registration, the URL is the client_id.
    expect(await auth(provider.asV1(), { serverUrl: ISSUER })).toBe('REDIRECT');
    expect(provider.clientInformation()).toMatchObject({ client_id: document.clientId });
    expect(document.fetches).toBe(0);

    await completeFlow(provider, browser, { clientName, clientId: document.clientId, screenshot: 'sdk-v1-cimd' });
    expect(document.fetches).toBeGreaterThanOrEqual(1);
  } finally {
    await document.close();
  }
});
