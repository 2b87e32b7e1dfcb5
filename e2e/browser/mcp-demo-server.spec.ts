// The demo MCP server (examples/mcp-server) protected by @gatehouse/verify,
// against the real Gatehouse: an MCP client of each SDK generation is refused
// (401), discovers Gatehouse from the resource metadata, registers, is sent
// through consent in Chromium, gets a token for this resource and calls tools
// that the tool guard limits to the user's workspaces. Personal and team
// tokens work over plain HTTP and stop working once revoked, within the
// introspection cache lifetime this spec sets.
import { expect, test, type Browser } from '@playwright/test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport, UnauthorizedError as V2UnauthorizedError } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { startDemoServer, type DemoServer } from '../../examples/mcp-server/server.ts';
import {
  DEMO_PORT,
  callToolWithBearer,
  createIntrospectionClient,
  ensureResourceAccepted,
  insertPersonalToken,
  provisionUser,
  revokePersonalToken,
  rotateTeamToken,
  seedTeam,
} from '../fixtures/demo-server';
import { startCallbackServer, type CallbackServer } from '../fixtures/loopback-servers';
import { InMemoryOAuthClientProvider } from '../fixtures/mcp-oauth-provider';
import { ISSUER, approveInBrowser, unique, uniqueEmail } from '../fixtures/oauth';

test.describe.configure({ mode: 'serial' });

/** How long the demo trusts an introspection answer: a revocation shows within this. */
const CACHE_TTL_MS = 500;
const RESOURCE = `http://localhost:${DEMO_PORT}/mcp`;

let callback: CallbackServer;
/** Verifies JWTs offline, introspects personal and team tokens. */
let demo: DemoServer;
/** A replica of the same resource (same audience) on the next port, asking for live revocation: JWTs are introspected too. */
let live: DemoServer;

test.beforeAll(async () => {
  callback = await startCallbackServer();
  const introspection = { ...createIntrospectionClient(), cacheTtlMs: CACHE_TTL_MS };
  ensureResourceAccepted(RESOURCE, 'mcp:tools');
  demo = await startDemoServer({ port: DEMO_PORT, issuer: ISSUER, resource: RESOURCE, introspection });
  live = await startDemoServer({ port: DEMO_PORT + 1, issuer: ISSUER, resource: RESOURCE, introspection, liveRevocation: true });
});

test.afterAll(async () => {
  await demo?.close();
  await live?.close();
  await callback?.close();
});

/** A user signed in through the edge, in a team that has workspace alpha (and not beta). */
async function userWithAlpha(label: string) {
  const email = uniqueEmail(label);
  const userId = await provisionUser(email);
  const team = seedTeam(userId, ['alpha']);
  return { email, userId, ...team };
}

const textOf = (result: { content: unknown }) => ((result.content as { type: string; text: string }[])[0] ?? { text: '' }).text;

test('the demo server publishes its resource metadata and answers 401 with where to find it', async () => {
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    const res = await fetch(`http://localhost:${DEMO_PORT}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Gatehouse demo documents',
      dpop_signing_alg_values_supported: ['ES256', 'ES384', 'PS256', 'RS256', 'Ed25519', 'EdDSA'],
    });
  }
  const refused = await fetch(RESOURCE, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  expect(refused.status).toBe(401);
  // Bearer first (what MCP clients read), then DPoP with the proof algorithms (RFC 9449 §7.2).
  const rmu = `http://localhost:${DEMO_PORT}/.well-known/oauth-protected-resource/mcp`;
  expect(refused.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${rmu}", DPoP resource_metadata="${rmu}", algs="ES256 ES384 PS256 RS256 Ed25519 EdDSA"`);
  expect(refused.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');

  const preflight = await fetch(RESOURCE, { method: 'OPTIONS', headers: { Origin: 'https://inspector.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, mcp-protocol-version' } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/MCP-Protocol-Version/);
});

type AnyClient = {
  connect(transport: never): Promise<void>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<{ isError?: boolean; content: unknown }>;
  close(): Promise<void>;
};
type AnyTransport = { finishAuth(...args: never[]): Promise<void> };
type Recorded = { method: string; url: string; status: number };

const generations = [
  {
    name: 'v1 SDK (@modelcontextprotocol/sdk)',
    label: 'demo-v1',
    client: () => new V1Client({ name: 'gatehouse-demo-e2e', version: '1.0.0' }) as unknown as AnyClient,
    transport: (provider: InMemoryOAuthClientProvider, fetchFn: typeof fetch) => new V1Transport(new URL(RESOURCE), { authProvider: provider.asV1(), fetch: fetchFn }) as unknown as AnyTransport,
    unauthorized: V1UnauthorizedError,
    finishAuth: (t: AnyTransport, callbackUrl: URL) => (t as unknown as V1Transport).finishAuth(callbackUrl.searchParams.get('code')!),
  },
  {
    name: 'v2 SDK (@modelcontextprotocol/client)',
    label: 'demo-v2',
    client: () => new V2Client({ name: 'gatehouse-demo-e2e', version: '2.0.0' }) as unknown as AnyClient,
    transport: (provider: InMemoryOAuthClientProvider, fetchFn: typeof fetch) => new V2Transport(new URL(RESOURCE), { authProvider: provider.asV2(), fetch: fetchFn }) as unknown as AnyTransport,
    unauthorized: V2UnauthorizedError,
    finishAuth: (t: AnyTransport, callbackUrl: URL) => (t as unknown as V2Transport).finishAuth(callbackUrl.searchParams),
  },
];

for (const generation of generations) {
  test(`${generation.name}: 401, discovery, registration, consent, token, tools — and live revocation`, async ({ browser }: { browser: Browser }) => {
    const user = await userWithAlpha(generation.label);
    const clientName = unique(`Demo MCP client ${generation.label}`);
    const provider = new InMemoryOAuthClientProvider({ redirectUrl: callback.redirectUri, clientName });
    const seen: Recorded[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      seen.push({ method: init?.method ?? (input instanceof Request ? input.method : 'GET'), url: input instanceof Request ? input.url : String(input), status: res.status });
      return res;
    };

    // 1. Without a token the server answers 401; the SDK follows the metadata to Gatehouse and registers.
    const first = generation.client();
    const firstTransport = generation.transport(provider, recordingFetch);
    const failure = await first.connect(firstTransport as never).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(generation.unauthorized);
    expect(seen[0]).toMatchObject({ method: 'POST', url: RESOURCE, status: 401 });
    expect(seen).toContainEqual(expect.objectContaining({ url: `http://localhost:${DEMO_PORT}/.well-known/oauth-protected-resource/mcp`, status: 200 }));
    expect(seen).toContainEqual(expect.objectContaining({ url: `${ISSUER}/.well-known/oauth-authorization-server`, status: 200 }));
    expect(seen).toContainEqual(expect.objectContaining({ method: 'POST', url: `${ISSUER}/oauth/register`, status: 201 }));
    const registered = provider.clientInformation();
    expect(registered).toMatchObject({ client_name: clientName, token_endpoint_auth_method: 'none' });

    // 2. The user is sent to consent for this resource, and allows it in Chromium.
    const authorizationUrl = provider.lastAuthorizationUrl();
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${ISSUER}/oauth/authorize`);
    expect(authorizationUrl.searchParams.get('resource')).toBe(RESOURCE);
    expect(authorizationUrl.searchParams.get('scope')?.split(' ')).toContain('mcp:tools');
    const response = await approveInBrowser(browser, authorizationUrl, {
      email: user.email,
      clientName,
      clientId: registered.client_id,
      redirectHost: `127.0.0.1:${callback.port}`,
      redirectUri: callback.redirectUri,
      screenshot: `${generation.label}-server`,
    });
    expect(response.searchParams.get('iss')).toBe(ISSUER);

    // 3. The code becomes a token bound to the demo server.
    await generation.finishAuth(firstTransport, response);
    const accessToken = provider.tokens().access_token as string;
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({ iss: ISSUER, aud: RESOURCE, sub: user.userId, client_id: registered.client_id, workspaces: ['alpha'] });

    // 4. Connected: tools listed and called; the workspace the user lacks is refused.
    const client = generation.client();
    await client.connect(generation.transport(provider, recordingFetch) as never);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['list_documents', 'read_document', 'whoami']);

      const alpha = await client.callTool({ name: 'list_documents', arguments: { workspace: 'alpha' } });
      expect(alpha.isError).toBeFalsy();
      expect(JSON.parse(textOf(alpha))).toEqual({ workspace: 'alpha', documents: [{ id: 'a-1', title: 'Alpha roadmap' }, { id: 'a-2', title: 'Alpha runbook' }] });

      const beta = await client.callTool({ name: 'list_documents', arguments: { workspace: 'beta' } });
      expect(beta.isError).toBe(true);
      expect(textOf(beta)).toBe('forbidden: the token may not reach the workspace "beta"');

      const me = await client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse(textOf(me))).toMatchObject({ sub: user.userId, kind: 'access_token', clientId: registered.client_id, workspaces: ['alpha'], tools: ['*'] });
    } finally {
      await client.close();
    }
    expect(provider.authorizationUrls).toHaveLength(1);

    // 5. Revoked at Gatehouse: the live-revocation server refuses it within the cache lifetime;
    //    the offline verifier keeps accepting it until it expires (the documented trade-off).
    expect((await callToolWithBearer(live.url, accessToken, 'list_documents', { workspace: 'alpha' })).status).toBe(200);
    const revoked = await fetch(`${ISSUER}/oauth/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken, client_id: registered.client_id }),
    });
    expect(revoked.status).toBe(200);
    await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));
    const refused = await callToolWithBearer(live.url, accessToken, 'list_documents', { workspace: 'alpha' });
    expect(refused.status).toBe(401);
    expect(refused.wwwAuthenticate).toContain('error="invalid_token"');
    expect((await callToolWithBearer(demo.url, accessToken, 'list_documents', { workspace: 'alpha' })).status).toBe(200);
  });
}

test('a personal token calls the tool over plain HTTP, and is refused once revoked', async () => {
  const user = await userWithAlpha('demo-pat');
  // beta is asked for but the user is not in it: reach is what the user has now.
  const pat = insertPersonalToken(user.userId, { workspaceKeys: ['alpha', 'beta'], tools: ['list_documents', 'whoami'] });

  const ok = await callToolWithBearer(demo.url, pat.token, 'list_documents', { workspace: 'alpha' });
  expect(ok.status).toBe(200);
  expect(ok.result?.isError).toBeFalsy();
  expect(textOf(ok.result!)).toContain('Alpha roadmap');
  expect((await callToolWithBearer(demo.url, pat.token, 'list_documents', { workspace: 'beta' })).result).toMatchObject({ isError: true });
  expect((await callToolWithBearer(demo.url, pat.token, 'read_document', { workspace: 'alpha', id: 'a-1' })).result).toMatchObject({
    isError: true,
    content: [{ type: 'text', text: 'forbidden: the token may not call the tool "read_document"' }],
  });
  const me = await callToolWithBearer(demo.url, pat.token, 'whoami', {});
  expect(JSON.parse(textOf(me.result!))).toMatchObject({ sub: user.userId, kind: 'personal_token', clientId: null, workspaces: ['alpha'] });

  revokePersonalToken(pat.id);
  // Any answer cached before the revocation has expired CACHE_TTL_MS later.
  await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));
  const refused = await callToolWithBearer(demo.url, pat.token, 'list_documents', { workspace: 'alpha' });
  expect(refused.status).toBe(401);
  expect(refused.wwwAuthenticate).toBe(
    `Bearer resource_metadata="http://localhost:${DEMO_PORT}/.well-known/oauth-protected-resource/mcp", error="invalid_token", error_description="the token is not active (revoked, expired or unknown)", ` +
      `DPoP resource_metadata="http://localhost:${DEMO_PORT}/.well-known/oauth-protected-resource/mcp", algs="ES256 ES384 PS256 RS256 Ed25519 EdDSA"`,
  );
});

test('a team token calls the tool over plain HTTP, and is refused once rotated away', async () => {
  const user = await userWithAlpha('demo-team');

  const ok = await callToolWithBearer(demo.url, user.teamToken, 'list_documents', { workspace: 'alpha' });
  expect(ok.status).toBe(200);
  expect(ok.result?.isError).toBeFalsy();
  expect(textOf(ok.result!)).toContain('Alpha runbook');
  expect((await callToolWithBearer(demo.url, user.teamToken, 'list_documents', { workspace: 'beta' })).result).toMatchObject({ isError: true });
  const me = await callToolWithBearer(demo.url, user.teamToken, 'whoami', {});
  expect(JSON.parse(textOf(me.result!))).toMatchObject({ sub: `team:${user.teamId}`, kind: 'team_token', workspaces: ['alpha'], tools: ['*'] });

  const replacement = rotateTeamToken(user.teamId);
  // Any answer cached before the revocation has expired CACHE_TTL_MS later.
  await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));
  const refused = await callToolWithBearer(demo.url, user.teamToken, 'list_documents', { workspace: 'alpha' });
  expect(refused.status).toBe(401);
  expect(refused.wwwAuthenticate).toContain('error="invalid_token"');
  expect((await callToolWithBearer(demo.url, replacement, 'list_documents', { workspace: 'alpha' })).status).toBe(200);
});
