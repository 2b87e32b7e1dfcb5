// An MCP server built from the plain MCP TypeScript SDK, with no Gatehouse code
// in it, behind the real nginx rendering e2e/edge/mcp-host.conf.template (the
// configuration docs/deploy.md gives), reached by the MCP SDK client: nginx asks
// Gatehouse's edge decision endpoint about each request. The SDK releases here
// speak revisions before 2026-07-28, whose servers never compare Mcp-Method and
// Mcp-Name with the body: a token passes to such a server only when it allows
// every tool; a narrower one gets 403 insufficient_scope through nginx, and
// headers that lie about the body never reach a tool.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_HOST_TEMPLATE_FILE, renderNginxSite, startNginxSite, type RunningNginx } from '../../e2e/edge/nginx.ts';
import { freeLoopbackPort } from '../../e2e/fixtures/ports.ts';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { createResourceServer } from '../../lib/server/db/resource-servers.ts';
import { createScope } from '../../lib/server/db/scopes.ts';
import { consentAndRedeem, createUser, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const PROXY_SECRET = 'edge-proxy-secret-0123456789abcdef';
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const system = { type: 'system' } as const;

/** A plain MCP server: two tools, and the caller as nginx passes it on from Gatehouse's answer. */
function startPlainMcpServer(): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const mcp = new McpServer({ name: 'notes', version: '1.0.0' });
    const tool = (name: string, text: () => string) =>
      mcp.registerTool(name, { description: name }, async () => {
        ran.set(name, (ran.get(name) ?? 0) + 1);
        return { content: [{ type: 'text', text: text() }] };
      });
    tool('read_note', () => `read for ${req.headers['x-gatehouse-subject']}`);
    tool('write_note', () => 'written');
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

type Seen = { last?: Pick<Response, 'status' | 'headers'> };

/** Keeps the last response's status and headers, to look at its WWW-Authenticate. */
function recordingFetch(seen: Seen): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    seen.last = { status: response.status, headers: response.headers };
    return response;
  };
}

/** How often each tool ran. */
const ran = new Map<string, number>();

describe('an unmodified MCP server behind nginx and the edge decision', () => {
  let gatehouse: ProtocolServer;
  let mcpServer: http.Server;
  let nginx: RunningNginx;
  let resource: string;
  /** notes:read: read_note only. */
  let token: string;
  /** notes:all: every tool. */
  let allTools: string;
  let userId: string;
  let dir: string;

  beforeAll(async () => {
    gatehouse = await startProtocolServer({ provider: 'sqlite', env: { GATEHOUSE_PROXY_SECRET: PROXY_SECRET } });
    mcpServer = await startPlainMcpServer();
    const port = await freeLoopbackPort();
    const publicHost = `127.0.0.1:${port}`;
    resource = `http://${publicHost}/mcp`;
    await createScope(gatehouse.db, 'notes:read', { description: 'Read notes', tools: ['read_note'], isDefault: false }, system);
    await createScope(gatehouse.db, 'notes:write', { description: 'Write notes', tools: ['write_note'], isDefault: false }, system);
    await createScope(gatehouse.db, 'notes:all', { description: 'Everything in notes', tools: ['*'], isDefault: false }, system);
    await createResourceServer(gatehouse.db, { url: resource, name: 'Notes', scopes: ['notes:read', 'notes:write', 'notes:all'] }, system);
    const user = await createUser(gatehouse);
    userId = user.id;
    const clientId = (await createAdminClient(gatehouse.db, { name: 'Notes app', confidential: false, redirectUris: [REDIRECT_URI] }, system)).client.clientId;
    const tokenFor = async (scope: string) => (await consentAndRedeem<{ access_token: string }>(gatehouse, user, { clientId, redirectUri: REDIRECT_URI, scope, resource })).access_token;
    token = await tokenFor('notes:read');
    allTools = await tokenFor('notes:all');

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-edge-nginx-'));
    const site = renderNginxSite(
      {
        listen: publicHost,
        serverName: '127.0.0.1',
        publicHost,
        gatehouseUpstream: new URL(gatehouse.url).host,
        mcpUpstream: `127.0.0.1:${(mcpServer.address() as AddressInfo).port}`,
        proxySecret: PROXY_SECRET,
      },
      fs.readFileSync(MCP_HOST_TEMPLATE_FILE, 'utf8'),
    );
    nginx = await startNginxSite({ dir, port, site });
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((resolve) => mcpServer?.close(resolve));
    await gatehouse?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function connect(accessToken: string | null, seen: Seen = {}) {
    const client = new Client({ name: 'edge-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(resource), {
      fetch: recordingFetch(seen),
      requestInit: accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {},
    });
    await client.connect(transport);
    return client;
  }

  it('runs any tool for a token that allows every tool, telling the server who called', async () => {
    const client = await connect(allTools);
    const result = await client.callTool({ name: 'read_note', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: `read for ${userId}` }]);
    expect((await client.callTool({ name: 'write_note', arguments: {} })).content).toEqual([{ type: 'text', text: 'written' }]);
    await client.close();
  });

  it('refuses a narrower token with 403 insufficient_scope and every scope it needs, through nginx', async () => {
    const seen: Seen = {};
    await expect(connect(token, seen)).rejects.toThrow(/403/);
    expect(seen.last?.status).toBe(403);
    expect(seen.last?.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="notes:read notes:all", resource_metadata="http://${new URL(resource).host}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it('lets no tool run behind headers that disagree with the body', async () => {
    const before = ran.get('write_note') ?? 0;
    const response = await fetch(resource, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        // The edge allows read_note for this token under a revision whose servers check the body…
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'read_note',
      },
      // …and this server, which speaks none, refuses the request rather than run write_note.
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'write_note', arguments: {} } }),
    });
    expect(response.status).toBe(400);
    expect(ran.get('write_note') ?? 0).toBe(before);
    // Claiming an older revision, the headers are not trusted at all.
    const older = await fetch(resource, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/call', 'mcp-name': 'read_note' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'write_note', arguments: {} } }),
    });
    expect(older.status).toBe(403);
    expect(ran.get('write_note') ?? 0).toBe(before);
  });

  it('answers 401 with resource_metadata without a token, and serves that document from the MCP host', async () => {
    const response = await fetch(resource, { method: 'POST', headers: { 'content-type': 'application/json', 'mcp-method': 'initialize' }, body: '{}' });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toBe(`Bearer resource_metadata="http://${new URL(resource).host}/.well-known/oauth-protected-resource/mcp"`);
    const metadata = await fetch(/resource_metadata="([^"]+)"/.exec(challenge)![1]);
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ resource, authorization_servers: [gatehouse.issuer], scopes_supported: ['notes:read', 'notes:write', 'notes:all'] });
  });

  it('passes on the identity from Gatehouse’s answer, never one a client sends itself', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(resource, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-method': 'tools/call', 'mcp-name': 'read_note', 'x-gatehouse-subject': 'forged', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_note', arguments: {} } }),
      });
    const answered = await call({ authorization: `Bearer ${allTools}` });
    expect(answered.status).toBe(200);
    expect(JSON.stringify(await answered.json())).toContain(`read for ${userId}`);
    // A client's own proxy secret and forwarded URI make no difference at the edge.
    expect((await call({ 'x-gatehouse-proxy-secret': PROXY_SECRET, 'x-forwarded-uri': '/elsewhere' })).status).toBe(401);
  });
});
