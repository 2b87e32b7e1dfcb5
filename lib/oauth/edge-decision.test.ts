// The edge decision (lib/oauth/edge-decision.ts) over the memory store: the
// token checked as introspection checks it, for the registered resource the
// forwarded URL belongs to, tools/call only within the token's tools, and
// forwarded values worth nothing without the proxy secret.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientFixture, createMemoryContext, type MemoryContext } from '../../tests/helpers/memory-context.ts';
import { hashToken } from '../crypto.ts';
import { signAccessToken } from './access-token.ts';
import { EDGE_ASSERTION_TYPE, decideEdgeRequest, findResourceServer, scopeUnlocking, toolNeeded } from './edge-decision.ts';
import { PERSONAL_TOKEN_PREFIX } from './introspection.ts';
import type { OAuthClient } from './ports.ts';

const SECRET = 'edge-proxy-secret-0123456789abcdef';
const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

let ctx: MemoryContext;
let client: OAuthClient;

beforeEach(async () => {
  ctx = await createMemoryContext();
  client = await ctx.store.insertClient(clientFixture({ grantTypes: ['client_credentials'] }));
  ctx.store.scopes = [
    { name: 'notes:read', description: 'Read notes', tools: ['read_note', 'list_notes'], isDefault: true },
    { name: 'notes:write', description: 'Write notes', tools: ['write_note'], isDefault: false },
    { name: 'notes:admin', description: 'Everything', tools: ['*'], isDefault: false },
    { name: 'offline_access', description: 'Stay signed in', tools: [], isDefault: false },
  ];
  ctx.store.resourceServers = [{ url: RESOURCE, name: 'Notes', scopes: ['notes:read', 'notes:write', 'notes:admin'] }];
});

async function accessToken(opts: { scope?: string[]; tools?: string[]; resource?: string | null } = {}): Promise<{ token: string; jti: string }> {
  const scope = opts.scope ?? ['notes:read'];
  const signed = await signAccessToken(ctx, {
    kind: 'client_credentials',
    subject: client.clientId,
    clientId: client.clientId,
    clientInternalId: client.id,
    userId: null,
    grantId: null,
    familyId: null,
    scope,
    resource: opts.resource === undefined ? RESOURCE : opts.resource,
    reach: { workspaces: ['alpha'], tools: opts.tools ?? ['list_notes', 'read_note'] },
    jkt: null,
  });
  await ctx.store.insertAccessToken(signed.record);
  return { token: signed.token, jti: signed.record.jti };
}

type Headers = Record<string, string | undefined>;

function forwarded(overrides: Headers = {}): Headers {
  return {
    'x-gatehouse-proxy-secret': SECRET,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'mcp.example.com',
    'x-forwarded-uri': '/mcp',
    'x-forwarded-method': 'POST',
    'mcp-protocol-version': '2026-07-28',
    ...overrides,
  };
}

const decide = (headers: Headers, proxySecret: string | null = SECRET) => decideEdgeRequest(ctx, { proxySecret, header: (name) => headers[name] });
const call = (token: string, tool: string | undefined, extra: Headers = {}) =>
  decide(forwarded({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/call', ...(tool === undefined ? {} : { 'mcp-name': tool }), ...extra }));

describe('the edge decision', () => {
  it('allows a tool within the token’s tools, with headers and a signed assertion the MCP server can check', async () => {
    const { token } = await accessToken();
    const decision = await call(token, 'read_note');
    expect(decision).toMatchObject({ decision: 'allow', status: 200, resource: RESOURCE });
    expect(decision.headers).toMatchObject({ 'X-Gatehouse-Subject': client.clientId, 'X-Gatehouse-Client-Id': client.clientId, 'X-Gatehouse-Scope': 'notes:read', 'X-Gatehouse-Workspaces': 'alpha' });
    const assertion = decision.headers['X-Gatehouse-Assertion'];
    expect(decodeProtectedHeader(assertion).typ).toBe(EDGE_ASSERTION_TYPE);
    const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: await ctx.keys.getPublicKeys() }), {
      issuer: ctx.issuer,
      audience: RESOURCE,
      typ: EDGE_ASSERTION_TYPE,
      currentDate: ctx.now(),
    });
    expect(payload).toMatchObject({ sub: client.clientId, client_id: client.clientId, scope: 'notes:read', workspaces: ['alpha'] });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it('answers 401 with the resource’s metadata URL (RFC 9728 §5.1) and no error without a token', async () => {
    const decision = await decide(forwarded({ 'mcp-method': 'tools/list' }));
    expect(decision).toMatchObject({ decision: 'unauthenticated', status: 401 });
    expect(decision.headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${METADATA}"`);
  });

  it('answers 401 invalid_token for an expired token', async () => {
    const { token } = await accessToken();
    ctx.setNow(new Date(ctx.now().getTime() + (ctx.ttl.accessToken + 1) * 1000));
    const decision = await call(token, 'read_note');
    expect(decision.status).toBe(401);
    expect(decision.headers['WWW-Authenticate']).toBe(`Bearer error="invalid_token", resource_metadata="${METADATA}"`);
  });

  it('answers 401 invalid_token for a revoked token, at once', async () => {
    const { token, jti } = await accessToken();
    expect((await call(token, 'read_note')).status).toBe(200);
    await ctx.store.revokeAccessToken(jti, ctx.now());
    expect(await call(token, 'read_note')).toMatchObject({ decision: 'unauthenticated', status: 401, reason: 'inactive_token' });
  });

  it('answers 401 invalid_token for a token issued for another audience', async () => {
    ctx.store.resourceServers.push({ url: 'https://other.example.com/mcp', name: 'Other', scopes: [] });
    const { token } = await accessToken({ resource: 'https://other.example.com/mcp' });
    const decision = await call(token, 'read_note');
    expect(decision).toMatchObject({ decision: 'unauthenticated', status: 401, reason: 'wrong_audience' });
    expect(decision.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    // Nor does a token for Gatehouse itself pass.
    const own = await accessToken({ resource: null });
    expect((await call(own.token, 'read_note')).reason).toBe('wrong_audience');
  });

  it('refuses a tool outside the token’s tools with 403 insufficient_scope naming every scope the call needs', async () => {
    const { token } = await accessToken();
    const decision = await call(token, 'write_note');
    expect(decision).toMatchObject({ decision: 'insufficient_scope', status: 403, resource: RESOURCE });
    // What the token has, and the scope that names the tool (not the one that unlocks everything).
    expect(decision.headers['WWW-Authenticate']).toBe(`Bearer error="insufficient_scope", scope="notes:read notes:write", resource_metadata="${METADATA}"`);
    expect(ctx.store.events).toEqual([
      expect.objectContaining({ action: 'oauth.edge_refused', clientId: client.clientId, targetId: RESOURCE, details: expect.objectContaining({ tool: 'write_note', reason: 'tool_not_allowed' }) }),
    ]);
  });

  it('fails closed without Mcp-Name or Mcp-Method: only a token allowing every tool passes', async () => {
    const { token } = await accessToken();
    const noName = await call(token, undefined);
    expect(noName).toMatchObject({ decision: 'insufficient_scope', status: 403, reason: 'needs_every_tool' });
    expect(noName.headers['WWW-Authenticate']).toContain('scope="notes:read notes:admin"');
    expect((await decide(forwarded({ authorization: `Bearer ${token}` }))).status).toBe(403);
    expect((await decide(forwarded({ authorization: `Bearer ${token}`, 'mcp-method': 'resources/read', 'mcp-name': 'file:///x' }))).status).toBe(403);
    // An edge that does not say which HTTP method it saw could be passing a POST with any call.
    expect((await call(token, 'read_note', { 'x-forwarded-method': undefined })).status).toBe(403);
    expect((await decide(forwarded({ authorization: `Bearer ${token}`, 'x-forwarded-method': 'GET' }))).status).toBe(200);
    // Headers an older revision's server never checks against the body (a tools/call of another tool could hide behind them).
    expect((await call(token, 'read_note', { 'mcp-protocol-version': '2025-11-25' })).status).toBe(403);
    expect((await call(token, 'read_note', { 'mcp-protocol-version': undefined })).status).toBe(403);
    // Methods that call nothing pass for any valid token, so that a client can start.
    for (const method of ['initialize', 'tools/list', 'notifications/initialized']) {
      expect((await decide(forwarded({ authorization: `Bearer ${token}`, 'mcp-method': method }))).status, method).toBe(200);
    }
  });

  it('allows any tool, and requests without Mcp-Name, for a token whose tools are *', async () => {
    const { token } = await accessToken({ scope: ['notes:admin'], tools: ['*'] });
    expect((await call(token, 'write_note')).status).toBe(200);
    expect((await call(token, undefined)).status).toBe(200);
    expect((await decide(forwarded({ authorization: `Bearer ${token}` }))).status).toBe(200);
  });

  it('decodes a Base64-encoded Mcp-Name (MCP Value Encoding) and refuses a malformed one', async () => {
    const { token } = await accessToken();
    expect((await call(token, `=?base64?${Buffer.from('read_note').toString('base64')}?=`)).status).toBe(200);
    expect(await call(token, '=?base64?not base64?=')).toMatchObject({ decision: 'refused', status: 403, reason: 'malformed_mcp_name' });
  });

  it('ignores forwarded values without the proxy secret, and refuses the request', async () => {
    const { token } = await accessToken({ scope: ['notes:admin'], tools: ['*'] });
    const headers = forwarded({ authorization: `Bearer ${token}`, 'mcp-method': 'tools/list' });
    expect((await decide(headers)).status).toBe(200);
    expect(await decide({ ...headers, 'x-gatehouse-proxy-secret': undefined })).toMatchObject({ decision: 'refused', status: 403, resource: null, headers: {} });
    expect(await decide({ ...headers, 'x-gatehouse-proxy-secret': 'edge-proxy-secret-0123456789abcdeX' })).toMatchObject({ decision: 'refused', resource: null });
    // Nor with no secret configured at all.
    expect(await decide(headers, null)).toMatchObject({ decision: 'refused', resource: null });
    expect(ctx.store.events).toEqual([]);
  });

  it('refuses a URL outside every registered resource server', async () => {
    const { token } = await accessToken({ tools: ['*'] });
    for (const uri of ['/mcpx', '/other', '/']) {
      expect(await decide(forwarded({ authorization: `Bearer ${token}`, 'x-forwarded-uri': uri, 'mcp-method': 'tools/list' })), uri).toMatchObject({ decision: 'refused', reason: 'unknown_resource' });
    }
    expect(await decide(forwarded({ authorization: `Bearer ${token}`, 'x-forwarded-host': 'evil.example.com/mcp#' }))).toMatchObject({ reason: 'no_forwarded_url' });
  });

  it('takes personal tokens (Gatehouse-wide) with their own tools', async () => {
    const token = `${PERSONAL_TOKEN_PREFIX}unit-test-personal-token-0123456789abcdefghij`;
    ctx.store.personalTokens.set(hashToken(token), { id: 'pt-1', name: 'laptop', userId: 'user-1', workspaceKeys: ['alpha'], tools: ['read_note'], expiresAt: null, revokedAt: null });
    ctx.store.activeUsers.add('user-1');
    ctx.store.userWorkspaces.set('user-1', ['alpha']);
    expect((await call(token, 'read_note')).headers['X-Gatehouse-Subject']).toBe('user-1');
    expect((await call(token, 'write_note')).status).toBe(403);
  });
});

describe('which tool a request needs', () => {
  it('names the tool of a tools/call, * when it cannot tell, nothing for methods that call nothing', () => {
    const v = '2026-07-28';
    expect(toolNeeded('POST', { method: 'tools/call', name: 'read_note', protocolVersion: v })).toBe('read_note');
    expect(toolNeeded('POST', { method: 'tools/call', protocolVersion: v })).toBe('*');
    expect(toolNeeded('POST', { protocolVersion: v })).toBe('*');
    expect(toolNeeded('POST', { method: 'prompts/get', name: 'p', protocolVersion: v })).toBe('*');
    expect(toolNeeded('POST', { method: 'tools/list', protocolVersion: v })).toBeNull();
    expect(toolNeeded('GET', {})).toBeNull();
    expect(toolNeeded('PATCH', { method: 'tools/list', protocolVersion: v })).toBe('*');
  });

  it('trusts Mcp-Method and Mcp-Name only from a revision whose servers check them against the body', () => {
    for (const protocolVersion of [undefined, '2025-11-25', '2025-06-18', 'garbage', '9999']) {
      expect(toolNeeded('POST', { method: 'tools/call', name: 'read_note', protocolVersion }), String(protocolVersion)).toBe('*');
      expect(toolNeeded('POST', { method: 'tools/list', protocolVersion }), String(protocolVersion)).toBe('*');
    }
    expect(toolNeeded('POST', { method: 'tools/call', name: 'read_note', protocolVersion: '2027-01-01' })).toBe('read_note');
  });

  it('matches a resource at a path-segment boundary, the longest first', () => {
    const servers = [
      { url: 'https://h.example/mcp', name: 'a', scopes: [] },
      { url: 'https://h.example/mcp/deep', name: 'b', scopes: [] },
    ];
    expect(findResourceServer(servers, new URL('https://h.example/mcp?x=1'))?.name).toBe('a');
    expect(findResourceServer(servers, new URL('https://h.example/mcp/deep/x'))?.name).toBe('b');
    expect(findResourceServer(servers, new URL('https://h.example/mcpdeep'))).toBeNull();
    expect(findResourceServer(servers, new URL('http://h.example/mcp'))).toBeNull();
    expect(findResourceServer(servers, new URL('https://h.example/mcp/../admin'))).toBeNull();
  });

  it('unlocks a tool with a scope the server accepts', () => {
    const server = { url: RESOURCE, name: 'Notes', scopes: ['notes:read'] };
    expect(scopeUnlocking('write_note', ctx.store.scopes, server)).toBeNull();
    expect(scopeUnlocking('write_note', ctx.store.scopes, { ...server, scopes: [] })).toBe('notes:write');
    expect(scopeUnlocking('*', ctx.store.scopes, { ...server, scopes: [] })).toBe('notes:admin');
  });
});

