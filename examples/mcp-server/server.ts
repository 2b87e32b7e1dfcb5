// A small MCP server protected by Gatehouse: the SDK's Streamable HTTP
// transport (stateless, JSON responses) on node:http, three tools over
// documents kept per workspace, and @gatehouse/verify in front of it all.
//
//   401 + WWW-Authenticate  → the client reads the resource metadata below,
//   finds Gatehouse, registers, asks the user, gets a token for this resource;
//   every tool call then passes the tool guard (tool name and workspace).
//   A token bound to the client's key (DPoP, RFC 9449) is taken with the DPoP
//   scheme and a proof for each request; as a plain bearer token it is refused.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
// In another repository: `from '@gatehouse/verify'` and `from '@gatehouse/verify/mcp-sdk'`.
import { assertToolAllowed, createVerifier, ToolForbiddenError, type AuthInfo, type Verifier, type VerifierOptions } from '../../packages/verify/src/index.ts';
import { gatehouseAuthOf, toMcpAuthInfo } from '../../packages/verify/src/adapters/mcp-sdk.ts';
import { authenticateNode, handleMetadataAndPreflight } from '../../packages/verify/src/adapters/node.ts';

export type DemoServerOptions = {
  port: number;
  /** Interface to listen on; default all (so `localhost` works over IPv4 and IPv6). */
  host?: string;
  /** Gatehouse's issuer, e.g. http://localhost:3107. */
  issuer: string;
  /** This server's canonical URL, e.g. http://localhost:3120/mcp; its path is the MCP endpoint. */
  resource: string;
  /** Introspection credentials: needed for personal and team tokens and for live revocation. */
  introspection?: VerifierOptions['introspection'];
  liveRevocation?: boolean;
  /** DPoP proof checks (algorithms, iat window, a shared replay cache, the public URL behind a proxy). */
  dpop?: VerifierOptions['dpop'];
  /** Scopes advertised in the resource metadata. Default: mcp:tools. */
  scopes?: string[];
  log?: (line: string) => void;
};

export type DemoServer = { url: string; resource: string; verifier: Verifier; server: Server; close(): Promise<void> };

type Document = { id: string; title: string; body: string };

export const DOCUMENTS: Record<string, Document[]> = {
  alpha: [
    { id: 'a-1', title: 'Alpha roadmap', body: 'Ship the verifier, then the demo.' },
    { id: 'a-2', title: 'Alpha runbook', body: 'Rotate keys with `gatehouse keys rotate`.' },
  ],
  beta: [{ id: 'b-1', title: 'Beta budget', body: 'Confidential.' }],
  gamma: [{ id: 'g-1', title: 'Gamma notes', body: 'Nothing yet.' }],
};

const text = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] });
const refused = (message: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text: `forbidden: ${message}` }] });

/** Runs `body` only if the token may use `tool` in `workspace` (fail closed: no auth, no run). */
function guarded(auth: AuthInfo | null, tool: string, workspace: string | null, body: () => CallToolResult): CallToolResult {
  try {
    assertToolAllowed(auth, tool, workspace);
  } catch (error) {
    if (error instanceof ToolForbiddenError) return refused(error.message);
    throw error;
  }
  return body();
}

/** One McpServer per request (stateless mode); tools read the verified token from `extra.authInfo`. */
function buildMcpServer(): McpServer {
  const server = new McpServer({ name: 'gatehouse-demo-documents', version: '0.1.0' });

  server.registerTool(
    'list_documents',
    { description: 'List the documents of a workspace', inputSchema: { workspace: z.string().describe('workspace key, e.g. alpha') } },
    async ({ workspace }, extra) =>
      guarded(gatehouseAuthOf(extra.authInfo), 'list_documents', workspace, () => text({ workspace, documents: (DOCUMENTS[workspace] ?? []).map(({ id, title }) => ({ id, title })) })),
  );

  server.registerTool(
    'read_document',
    { description: 'Read one document of a workspace', inputSchema: { workspace: z.string(), id: z.string() } },
    async ({ workspace, id }, extra) =>
      guarded(gatehouseAuthOf(extra.authInfo), 'read_document', workspace, () => {
        const doc = DOCUMENTS[workspace]?.find((d) => d.id === id);
        return doc ? text(doc) : { isError: true, content: [{ type: 'text', text: `no document ${id} in ${workspace}` }] };
      }),
  );

  server.registerTool('whoami', { description: 'Who the token belongs to and what it may reach' }, async (extra) => {
    const auth = gatehouseAuthOf(extra.authInfo);
    return guarded(auth, 'whoami', null, () =>
      text({ sub: auth!.sub, kind: auth!.kind, clientId: auth!.clientId, scopes: auth!.scopes, workspaces: auth!.workspaces, tools: auth!.tools }),
    );
  });

  return server;
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const log = options.log ?? (() => {});
  const verifier = createVerifier({
    issuer: options.issuer,
    resource: options.resource,
    introspection: options.introspection,
    liveRevocation: options.liveRevocation,
    dpop: options.dpop,
    scopes: options.scopes ?? ['mcp:tools'],
    resourceName: 'Gatehouse demo documents',
  });
  const mcpPath = new URL(verifier.resource).pathname;

  async function handle(req: IncomingMessage & { auth?: unknown }, res: ServerResponse): Promise<void> {
    // CORS preflights and the RFC 9728 metadata (path-suffixed and root well-known URLs).
    if (handleMetadataAndPreflight(verifier, req, res)) return;
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    if (url.pathname !== mcpPath) return writeJson(res, 404, { error: 'not_found' });

    // No valid token (or a DPoP-bound one without its proof): 401 with
    // WWW-Authenticate: Bearer resource_metadata="…", DPoP resource_metadata="…", algs="…" (or 400/503), answered here.
    const auth = await authenticateNode(verifier, req, res);
    if (!auth) {
      log(`refused ${req.method} ${url.pathname} (${res.statusCode})`);
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no standalone SSE stream and no session to delete.
      return writeJson(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }, { Allow: 'POST, OPTIONS' });
    }

    req.auth = toMcpAuthInfo(auth, verifier.resource);
    const server = buildMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req as IncomingMessage & { auth: ReturnType<typeof toMcpAuthInfo> }, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) writeJson(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}${mcpPath}`,
    resource: verifier.resource,
    verifier,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
