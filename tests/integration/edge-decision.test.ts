// The edge decision endpoint and the RFC 9728 documents of registered resource
// servers, over HTTP through the real router on both providers, with tokens
// from the real token endpoint: what nginx auth_request / Traefik ForwardAuth
// get for an MCP server that embeds no Gatehouse code (docs/deploy.md).
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { createResourceServer } from '../../lib/server/db/resource-servers.ts';
import { createScope } from '../../lib/server/db/scopes.ts';
import { createMetrics, type Metrics } from '../../lib/server/observability/metrics.ts';
import { installMetricsSink } from '../../lib/server/observability/hooks.ts';
import { providers } from '../helpers/databases.ts';
import { createUserWithWorkspace } from '../helpers/factories.ts';
import { consentAndRedeem, createUser, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const PROXY_SECRET = 'edge-proxy-secret-0123456789abcdef';
const RESOURCE = 'https://notes.mcp.example/mcp';
const METADATA = 'https://notes.mcp.example/.well-known/oauth-protected-resource/mcp';
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const system = { type: 'system' } as const;

describe.each(providers)('the edge decision on %s', (provider) => {
  let server: ProtocolServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  let clientId: string;
  let workspaceKey: string;
  let metrics: Metrics;

  beforeAll(async () => {
    server = await startProtocolServer({ provider, env: { GATEHOUSE_PROXY_SECRET: PROXY_SECRET } });
    await createScope(server.db, 'notes:read', { description: 'Read notes', tools: ['read_note'], isDefault: false }, system);
    await createScope(server.db, 'notes:write', { description: 'Write notes', tools: ['write_note'], isDefault: false }, system);
    await createResourceServer(server.db, { url: RESOURCE, name: 'Notes', scopes: ['notes:read', 'notes:write'] }, system);
    const member = await createUserWithWorkspace(server.db);
    user = member.user;
    workspaceKey = member.workspace.key;
    clientId = (await createAdminClient(server.db, { name: 'Notes app', confidential: false, redirectUris: [REDIRECT_URI] }, system)).client.clientId;
    metrics = createMetrics({ defaultMetrics: false });
    installMetricsSink(metrics);
  });
  afterAll(() => server?.stop());

  const tokenFor = async (scope: string) =>
    (await consentAndRedeem<{ access_token: string }>(server, user, { clientId, redirectUri: REDIRECT_URI, scope, resource: RESOURCE, workspaces: [workspaceKey] })).access_token;

  const edge = (headers: Record<string, string>, secret: string | null = PROXY_SECRET) =>
    server.fetch('/edge/decision', {
      headers: {
        ...(secret ? { 'x-gatehouse-proxy-secret': secret } : {}),
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'notes.mcp.example',
        'x-forwarded-uri': '/mcp',
        'x-forwarded-method': 'POST',
        'mcp-protocol-version': '2026-07-28',
        ...headers,
      },
    });
  const callTool = (token: string, tool: string) => edge({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/call', 'mcp-name': tool });

  async function counted(decision: string): Promise<number> {
    const metric = await metrics.registry.getSingleMetric('gatehouse_edge_decisions_total')?.get();
    return metric?.values.find((v) => v.labels.resource === RESOURCE && v.labels.decision === decision)?.value ?? 0;
  }

  it('allows a tool the consented scopes unlock, with a signed assertion for the resource', async () => {
    const token = await tokenFor('notes:read');
    const before = await counted('allow');
    const response = await callTool(token, 'read_note');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gatehouse-subject')).toBe(user.id);
    expect(response.headers.get('x-gatehouse-client-id')).toBe(clientId);
    expect(response.headers.get('x-gatehouse-scope')).toBe('notes:read');
    expect(response.headers.get('x-gatehouse-workspaces')).toBe(workspaceKey);
    const jwks = (await (await server.fetch('/.well-known/jwks.json')).json()) as { keys: [] };
    const { payload } = await jwtVerify(response.headers.get('x-gatehouse-assertion')!, createLocalJWKSet(jwks), { issuer: server.issuer, audience: RESOURCE, typ: 'gatehouse-edge+jwt' });
    expect(payload).toMatchObject({ sub: user.id, client_id: clientId, tools: ['read_note'] });
    expect(await counted('allow')).toBe(before + 1);
  });

  it('answers 401 with resource_metadata without a token, and invalid_token once the token is revoked', async () => {
    const anonymous = await edge({ 'mcp-method': 'initialize' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA}"`);

    const token = await tokenFor('notes:read');
    expect((await callTool(token, 'read_note')).status).toBe(200);
    expect((await postForm(server, '/oauth/revoke', { token, client_id: clientId })).status).toBe(200);
    const revoked = await callTool(token, 'read_note');
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", resource_metadata="${METADATA}"`);
  });

  it('refuses a tool outside the token’s scopes with 403 insufficient_scope and every scope the call needs, and audits it', async () => {
    const token = await tokenFor('notes:read');
    const before = await counted('insufficient_scope');
    const response = await callTool(token, 'write_note');
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="notes:read notes:write", resource_metadata="${METADATA}"`);
    expect(await counted('insufficient_scope')).toBe(before + 1);
    const events = await server.db.prisma.auditEvent.findMany({ where: { action: 'oauth.edge_refused' } });
    expect(events.map((e) => JSON.parse(e.details))).toContainEqual(expect.objectContaining({ tool: 'write_note', reason: 'tool_not_allowed', subject: user.id }));
    expect(events.at(-1)).toMatchObject({ actorType: 'client', actorId: clientId });

    // Stepping up with the challenge's scope unlocks it, and keeps what the token had.
    const stepped = await tokenFor('notes:read notes:write');
    expect((await callTool(stepped, 'write_note')).status).toBe(200);
    expect((await callTool(stepped, 'read_note')).status).toBe(200);
  });

  it('fails closed on a tools/call without Mcp-Name', async () => {
    const token = await tokenFor('notes:read');
    expect((await edge({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/call' })).status).toBe(403);
    expect((await edge({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/list' })).status).toBe(200);
  });

  it('ignores forwarded values without the proxy secret and refuses the request', async () => {
    const token = await tokenFor('notes:read');
    const before = await counted('refused');
    const forged = await edge({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/call', 'mcp-name': 'read_note' }, null);
    expect(forged.status).toBe(403);
    expect(forged.headers.get('x-gatehouse-subject')).toBeNull();
    const wrong = await edge({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/call', 'mcp-name': 'read_note' }, 'not-the-proxy-secret-0123456789ab');
    expect(wrong.status).toBe(403);
    // Refusals with no resource are counted under `none`, not under the resource.
    expect(await counted('refused')).toBe(before);
  });

  it('serves the RFC 9728 document of a registered resource server, for the host the edge names', async () => {
    const forwardedHost = { 'x-gatehouse-proxy-secret': PROXY_SECRET, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'notes.mcp.example' };
    const response = await server.fetch('/.well-known/oauth-protected-resource/mcp', { headers: forwardedHost });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [server.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['notes:read', 'notes:write'],
      resource_name: 'Notes',
    });
    // Without the proxy secret the host is Gatehouse's own, where nothing is registered at /mcp.
    expect((await server.fetch('/.well-known/oauth-protected-resource/mcp', { headers: { 'x-forwarded-host': 'notes.mcp.example', 'x-forwarded-proto': 'https' } })).status).toBe(404);
    // Another host's bare document names only a resource registered at its root, never Gatehouse.
    expect((await server.fetch('/.well-known/oauth-protected-resource', { headers: forwardedHost })).status).toBe(404);
    await createResourceServer(server.db, { url: 'https://root.mcp.example/', name: 'Root', scopes: ['notes:read'] }, system);
    const root = await server.fetch('/.well-known/oauth-protected-resource', { headers: { ...forwardedHost, 'x-forwarded-host': 'root.mcp.example' } });
    expect(((await root.json()) as { resource: string }).resource).toBe('https://root.mcp.example/');
    // Gatehouse's own document is unchanged.
    const own = (await (await server.fetch('/.well-known/oauth-protected-resource')).json()) as { resource: string; scopes_supported: string[] };
    expect(own.resource).toBe(server.issuer);
    expect(own.scopes_supported).not.toContain('offline_access');
  });

  it('serves a resource registered on Gatehouse’s own origin without forwarding, never listing offline_access', async () => {
    await createResourceServer(server.db, { url: `${server.issuer}/tools`, name: 'Local tools', scopes: [] }, system);
    const response = await server.fetch('/.well-known/oauth-protected-resource/tools');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { resource: string; scopes_supported: string[] };
    expect(body.resource).toBe(`${server.issuer}/tools`);
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['notes:read', 'notes:write', 'mcp:tools']));
    expect(body.scopes_supported).not.toContain('offline_access');
  });
});
