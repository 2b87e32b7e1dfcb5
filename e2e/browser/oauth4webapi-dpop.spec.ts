// DPoP (RFC 9449) against the running server with oauth4webapi's own proofs: a
// client registered for bound tokens (§5.2) is approved in the browser, its
// code exchange and refresh carry proofs and get DPoP tokens bound to its key
// (cnf.jkt, shown by introspection), and its refresh token is refused without
// the key or with another one. The account page marks the grant as key-bound.
// Then both halves together (RFC 9449 §7): a token bound for one resource
// server (the demo MCP server, through @gatehouse/verify) works there with a
// fresh proof, and nowhere else or otherwise.
import { expect, test } from '@playwright/test';
import * as oauth from 'oauth4webapi';
import { startDemoServer, type DemoServer } from '../../examples/mcp-server/server.ts';
import { DEMO_PORT, ensureResourceAccepted } from '../fixtures/demo-server';
import { startCallbackServer, type CallbackServer } from '../fixtures/loopback-servers';
import { ISSUER, introspectionClientFromCli } from '../fixtures/oauth';
import { discover, insecure, registerAndApprove } from '../fixtures/oauth4webapi';
import { edgeHeaders } from '../fixtures/server-env';

// Ports of their own, clear of the demo spec's.
const RESOURCE_A = `http://localhost:${DEMO_PORT + 2}/mcp`;
const RESOURCE_B = `http://localhost:${DEMO_PORT + 3}/mcp`;

let callback: CallbackServer;
/** Resource server A, for which the token is issued, and B, another one trusting the same Gatehouse. */
let serverA: DemoServer;
let serverB: DemoServer;
test.beforeAll(async () => {
  callback = await startCallbackServer();
  ensureResourceAccepted(RESOURCE_A, 'mcp:tools');
  serverA = await startDemoServer({ port: DEMO_PORT + 2, issuer: ISSUER, resource: RESOURCE_A });
  serverB = await startDemoServer({ port: DEMO_PORT + 3, issuer: ISSUER, resource: RESOURCE_B });
});
test.afterAll(async () => {
  await serverA?.close();
  await serverB?.close();
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

const TOOL_CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
const mcpHeaders = () => new Headers({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' });

/** The DPoP proof oauth4webapi makes for `POST url` with this token, taken from the request it would send (nothing is sent). */
async function proofFor(DPoP: oauth.DPoPHandle, token: string, url: string): Promise<string> {
  let proof: string | null = null;
  const capture = async (_url: string, init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => {
    proof = new Headers(init.headers).get('dpop');
    return new Response('{}', { status: 200 });
  };
  await oauth.protectedResourceRequest(token, 'POST', new URL(url), mcpHeaders(), TOOL_CALL, { DPoP, [oauth.customFetch]: capture, ...insecure });
  expect(proof).toBeTruthy();
  return proof!;
}

/** The MCP tool call with the given Authorization and DPoP headers. */
async function callTool(url: string, authorization: string, proof?: string): Promise<{ status: number; wwwAuthenticate: string }> {
  const headers = mcpHeaders();
  headers.set('Authorization', authorization);
  if (proof) headers.set('DPoP', proof);
  const res = await fetch(url, { method: 'POST', headers, body: TOOL_CALL });
  await res.body?.cancel();
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate') ?? '' };
}

test('DPoP end to end: a token bound for resource server A works there with a fresh proof by its key, and in no other way', async ({ browser }) => {
  const as = await discover();
  const { client, state, callbackUrl, codeVerifier, email } = await registerAndApprove(browser, as, callback, {
    name: 'o4w-dpop-rs',
    scope: 'mcp:tools',
    screenshot: 'oauth4webapi-dpop-rs',
    metadata: { dpop_bound_access_tokens: true },
    resource: RESOURCE_A,
  });
  const DPoP = oauth.DPoP(client, await newKeyPair());
  const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, callback.redirectUri, codeVerifier, {
      DPoP,
      additionalParameters: { resource: RESOURCE_A },
      ...insecure,
    }),
  );
  expect(tokens.token_type).toBe('dpop');
  const token = tokens.access_token;

  // Accepted: oauth4webapi's own request, with its fresh proof (htm, htu, ath, jti); the MCP call succeeds.
  let usedProof: string | null = null;
  const recording = async (url: string, init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => {
    usedProof = new Headers(init.headers).get('dpop');
    return fetch(url, init as RequestInit);
  };
  const accepted = await oauth.protectedResourceRequest(token, 'POST', new URL(serverA.url), mcpHeaders(), TOOL_CALL, { DPoP, [oauth.customFetch]: recording, ...insecure });
  expect(accepted.status).toBe(200);
  const { result } = (await accepted.json()) as { result: { isError?: boolean; content: { text: string }[] } };
  expect(result.isError).toBeFalsy();
  const userId = (await (await fetch(`${ISSUER}/api/me`, { headers: edgeHeaders(email) })).json()) as { user: { id: string } };
  expect(JSON.parse(result.content[0].text)).toMatchObject({ sub: userId.user.id, kind: 'access_token', clientId: client.client_id });
  expect(usedProof).toBeTruthy();

  const rmu = (server: DemoServer) => server.verifier.resourceMetadataUrl;
  const algs = 'algs="ES256 ES384 PS256 RS256 Ed25519 EdDSA"';

  // Replayed as a bearer token: refused, with both challenges, the error on the Bearer one.
  const asBearer = await callTool(serverA.url, `Bearer ${token}`);
  expect(asBearer.status).toBe(401);
  expect(asBearer.wwwAuthenticate).toBe(
    `Bearer resource_metadata="${rmu(serverA)}", error="invalid_token", error_description="the token is bound to a key: present it with the DPoP scheme and a proof", DPoP resource_metadata="${rmu(serverA)}", ${algs}`,
  );

  // With the DPoP scheme and no proof at all.
  const noProof = await callTool(serverA.url, `DPoP ${token}`);
  expect(noProof.status).toBe(401);
  expect(noProof.wwwAuthenticate).toMatch(/DPoP resource_metadata="[^"]+", error="invalid_dpop_proof"/);

  // A proof signed by another key (a thief with the token but not the key): a bad key binding.
  const otherKey = oauth.DPoP(client, await newKeyPair());
  const stolen = await callTool(serverA.url, `DPoP ${token}`, await proofFor(otherKey, token, serverA.url));
  expect(stolen.status).toBe(401);
  expect(stolen.wwwAuthenticate).toContain('DPoP resource_metadata');
  expect(stolen.wwwAuthenticate).toContain('error="invalid_token", error_description="the DPoP proof was signed by a key the token is not bound to"');

  // The very proof that was accepted, sent again: its jti is spent.
  const replayed = await callTool(serverA.url, `DPoP ${token}`, usedProof!);
  expect(replayed.status).toBe(401);
  expect(replayed.wwwAuthenticate).toContain('error="invalid_dpop_proof", error_description="the DPoP proof was already used"');

  // A proof by the right key for another URL (htu).
  const elsewhere = await callTool(serverA.url, `DPoP ${token}`, await proofFor(DPoP, token, `${new URL(serverA.url).origin}/elsewhere`));
  expect(elsewhere.status).toBe(401);
  expect(elsewhere.wwwAuthenticate).toContain('error="invalid_dpop_proof", error_description="the DPoP proof was made for another URL"');

  // At resource server B, with a valid proof for B: the token's audience is A.
  const atB = await callTool(serverB.url, `DPoP ${token}`, await proofFor(DPoP, token, serverB.url));
  expect(atB.status).toBe(401);
  expect(atB.wwwAuthenticate).toContain(`DPoP resource_metadata="${rmu(serverB)}", error="invalid_token"`);

  // And A still takes the token with a fresh proof after all that.
  expect((await callTool(serverA.url, `DPoP ${token}`, await proofFor(DPoP, token, serverA.url))).status).toBe(200);
});
