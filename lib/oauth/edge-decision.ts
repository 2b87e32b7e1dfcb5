// The edge decision (docs/deploy.md, "MCP servers behind the edge"): nginx
// `auth_request` or Traefik ForwardAuth asks, before every request to an MCP
// server, whether it may pass. The token is checked as introspection checks it
// (lib/oauth/introspection.ts), for the registered resource server the
// forwarded URL belongs to, and a `tools/call` only for a tool within the
// token's tools. An answer other than 200, 401 or 403 would be an error to the
// proxy (nginx answers 500 for it), so every refusal is a 401 or a 403.
import { randomUUID } from 'node:crypto';
import { safeEqual } from '../crypto.ts';
import { PROXY_SECRET_HEADER } from '../identity/forward-auth.ts';
import type { OAuthContext } from './context.ts';
import { introspectToken, type IntrospectionResponse } from './introspection.ts';
import { signJwt } from './jwt-signing.ts';
import { resourceMetadataUrl } from './metadata.ts';
import type { ResourceServerRecord, ScopeDefinition } from './ports.ts';
import { formatScope } from './scope.ts';
import { parseUrl } from '../parse-url.ts';

export const EDGE_ASSERTION_TYPE = 'gatehouse-edge+jwt';
export const EDGE_ASSERTION_TTL_SECONDS = 60;

export type EdgeDecisionKind = 'allow' | 'unauthenticated' | 'insufficient_scope' | 'refused';

export type EdgeDecision = {
  decision: EdgeDecisionKind;
  status: 200 | 401 | 403;
  headers: Record<string, string>;
  /** The registered resource server the request was for; null when none was found. */
  resource: string | null;
  /** Why it was refused, in a short snake_case word (for the log and the audit event). */
  reason?: string;
};

/** Reads one request header by its lower-case name (first value). */
export type HeaderReader = (name: string) => string | undefined;

/**
 * Methods that name nothing a scope governs and that every client needs to
 * get going (MCP 2026-07-28: they carry no `Mcp-Name`), and client
 * notifications. Any other method (`resources/read`, `prompts/get`,
 * `completion/complete`, `tasks/*`, methods Gatehouse does not know) passes
 * only with a token that allows every tool: the edge fails closed.
 */
const NAME_FREE_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'prompts/list',
  'logging/setLevel',
  'subscriptions/listen',
]);

/** HTTP methods that carry no JSON-RPC request (a legacy GET stream, DELETE of a session, a preflight). */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

const EVERY_TOOL = '*';

/** MCP 2026-07-28 Value Encoding: `=?base64?…?=` carries a value that is not plain ASCII. */
export function decodeMcpHeaderValue(value: string): string | null {
  const sentinel = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/.exec(value);
  if (sentinel) return Buffer.from(sentinel[1], 'base64').toString('utf8');
  if (value.startsWith('=?base64?')) return null;
  return value;
}

/**
 * The first revision whose servers must reject a request whose `Mcp-Method` or
 * `Mcp-Name` disagrees with its body. Headers of an older one are not to be
 * trusted (MCP 2026-07-28 Streamable HTTP, Server Validation): its servers
 * never compare them with the body, and refuse a version they don't speak.
 */
export const HEADER_VALIDATING_REVISION = '2026-07-28';

/**
 * The tool a request needs: its name for a `tools/call`, `*` when it could
 * be anything (no `Mcp-Method`, headers of a revision before
 * HEADER_VALIDATING_REVISION, no `Mcp-Name` on a `tools/call`, a method outside
 * NAME_FREE_METHODS), null when it calls none.
 */
export function toolNeeded(httpMethod: string, mcp: { method?: string; name?: string | null; protocolVersion?: string }): string | null {
  if (BODYLESS_METHODS.has(httpMethod)) return null;
  const { method: mcpMethod, name: mcpName, protocolVersion } = mcp;
  if (httpMethod !== 'POST' || !mcpMethod) return EVERY_TOOL;
  if (!protocolVersion || !/^\d{4}-\d{2}-\d{2}$/.test(protocolVersion) || protocolVersion < HEADER_VALIDATING_REVISION) return EVERY_TOOL;
  if (mcpMethod === 'tools/call') return mcpName || EVERY_TOOL;
  if (NAME_FREE_METHODS.has(mcpMethod) || mcpMethod.startsWith('notifications/')) return null;
  return EVERY_TOOL;
}

/** The registered server a URL belongs to: same origin, path under the server's at a segment boundary; the longest wins. */
export function findResourceServer(servers: readonly ResourceServerRecord[], target: URL): ResourceServerRecord | null {
  let best: { server: ResourceServerRecord; length: number } | null = null;
  for (const server of servers) {
    const url = parseUrl(server.url);
    if (!url || url.origin !== target.origin) continue;
    const base = url.pathname.replace(/\/$/, '');
    const path = target.pathname;
    if (path !== base && !path.startsWith(`${base}/`)) continue;
    if (!best || base.length > best.length) best = { server, length: base.length };
  }
  return best?.server ?? null;
}

/**
 * One scope that unlocks `tool` on this server, preferring one that names it
 * over one that unlocks every tool; null when none does. Only scopes the server
 * accepts count (lib/oauth/resource.ts scopeForResource).
 */
export function scopeUnlocking(tool: string, definitions: readonly ScopeDefinition[], server: ResourceServerRecord): string | null {
  const accepted = definitions.filter((d) => server.scopes.length === 0 || server.scopes.includes(d.name));
  const byName = (a: ScopeDefinition, b: ScopeDefinition) => a.name.localeCompare(b.name);
  const naming = tool === EVERY_TOOL ? [] : accepted.filter((d) => d.tools.includes(tool)).sort(byName);
  const everything = accepted.filter((d) => d.tools.includes(EVERY_TOOL)).sort(byName);
  return (naming[0] ?? everything[0])?.name ?? null;
}

/** The forwarded URL (X-Forwarded-Proto, -Host, -Uri), only with the proxy secret; null without it, or when absent or malformed. */
export function trustedForwardedUrl(proxySecret: string | null, header: HeaderReader): URL | null {
  return presentsProxySecret(proxySecret, header) ? forwardedUrl(header) : null;
}

/** The request came through the edge: it carries the configured proxy secret (constant-time compare). */
function presentsProxySecret(proxySecret: string | null, header: HeaderReader): boolean {
  const presented = header(PROXY_SECRET_HEADER);
  return Boolean(proxySecret && presented && safeEqual(presented, proxySecret));
}

function forwardedUrl(header: HeaderReader): URL | null {
  const proto = header('x-forwarded-proto');
  const host = header('x-forwarded-host');
  const uri = header('x-forwarded-uri') ?? '/';
  if ((proto !== 'https' && proto !== 'http') || !host || !uri.startsWith('/')) return null;
  // Only a host (and port): anything else would move the path or the origin.
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return null;
  const value = `${proto}://${host}${uri}`;
  return parseUrl(value);
}

function bearerToken(authorization: string | undefined): string | null | undefined {
  if (authorization === undefined || authorization.trim() === '') return undefined;
  const match = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(authorization);
  return match ? match[1] : null;
}

/** A value as a header carries it: plain visible ASCII as is, anything else in the MCP Base64 sentinel form. */
export function encodeHeaderValue(value: string): string {
  return /^[\x21-\x7E]([\x20-\x7E]*[\x21-\x7E])?$|^$/.test(value) && !value.startsWith('=?base64?') ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

function challenge(params: Record<string, string>): string {
  return `Bearer ${Object.entries(params).map(([k, v]) => `${k}=${quoted(v)}`).join(', ')}`;
}

const refused = (reason: string, resource: string | null = null): EdgeDecision => ({ decision: 'refused', status: 403, headers: {}, resource, reason });

/**
 * Decides one request. `proxySecret` is GATEHOUSE_PROXY_SECRET: without it
 * configured, or without it presented, the forwarded values mean nothing
 * and the request is refused.
 */
export async function decideEdgeRequest(ctx: OAuthContext, request: { proxySecret: string | null; header: HeaderReader }): Promise<EdgeDecision> {
  const { header } = request;
  if (!presentsProxySecret(request.proxySecret, header)) return refused('untrusted_proxy');
  const target = forwardedUrl(header);
  if (!target) return refused('no_forwarded_url');
  const server = findResourceServer(await ctx.store.listResourceServers(), target);
  if (!server) return refused('unknown_resource');
  const resourceMetadata = resourceMetadataUrl(server.url);
  const unauthenticated = (presentedToken: boolean, reason: string): EdgeDecision => ({
    decision: 'unauthenticated',
    status: 401,
    headers: { 'WWW-Authenticate': challenge({ ...(presentedToken ? { error: 'invalid_token' } : {}), resource_metadata: resourceMetadata }) },
    resource: server.url,
    reason,
  });

  const token = bearerToken(header('authorization'));
  if (token === undefined) return unauthenticated(false, 'no_token');
  if (token === null) return unauthenticated(true, 'malformed_authorization');
  const answer = await introspectToken(ctx, token);
  if (!answer.active) return unauthenticated(true, 'inactive_token');
  // Access tokens are bound to one resource (RFC 8707); personal and team
  // tokens are Gatehouse-wide, as packages/verify takes them.
  if (answer.token_kind === 'access_token' && answer.aud !== server.url) return unauthenticated(true, 'wrong_audience');
  // The edge sees no DPoP proof it could check against the key (RFC 9449 §7.1).
  if (answer.cnf) return unauthenticated(true, 'dpop_bound_token');

  // No forwarded method: it could be a POST carrying any call.
  const httpMethod = (header('x-forwarded-method') ?? '').toUpperCase();
  const mcpMethod = header('mcp-method');
  const rawName = header('mcp-name');
  const mcpName = rawName === undefined ? undefined : decodeMcpHeaderValue(rawName);
  if (mcpName === null) return await refuse(ctx, answer, server, { tool: null, mcpMethod, reason: 'malformed_mcp_name' });
  const tool = toolNeeded(httpMethod, { method: mcpMethod, name: mcpName, protocolVersion: header('mcp-protocol-version') });
  if (tool === null || answer.tools.includes(EVERY_TOOL) || (tool !== EVERY_TOOL && answer.tools.includes(tool))) {
    return { decision: 'allow', status: 200, headers: await trustedHeaders(ctx, answer, server.url), resource: server.url };
  }

  const unlocking = scopeUnlocking(tool, await ctx.store.listScopes(), server);
  const reason = tool === EVERY_TOOL ? 'needs_every_tool' : 'tool_not_allowed';
  if (!unlocking) return await refuse(ctx, answer, server, { tool, mcpMethod, reason });
  // Everything the call needs in one challenge, what the token has included,
  // so that re-authorizing with it loses nothing (MCP Scope Challenge Handling).
  const scope = formatScope([...new Set([...answer.scope.split(' ').filter(Boolean), unlocking])]);
  await recordRefusal(ctx, answer, server, { tool, mcpMethod, reason });
  return {
    decision: 'insufficient_scope',
    status: 403,
    headers: { 'WWW-Authenticate': challenge({ error: 'insufficient_scope', scope, resource_metadata: resourceMetadata }) },
    resource: server.url,
    reason,
  };
}

type Active = Extract<IntrospectionResponse, { active: true }>;
type Refusal = { tool: string | null; mcpMethod: string | undefined; reason: string };

async function refuse(ctx: OAuthContext, answer: Active, server: ResourceServerRecord, refusal: Refusal): Promise<EdgeDecision> {
  await recordRefusal(ctx, answer, server, refusal);
  return refused(refusal.reason, server.url);
}

/** A refusal of a valid token goes to the audit log; an anonymous one is counted only (strangers can't fill the log). */
function recordRefusal(ctx: OAuthContext, answer: Active, server: ResourceServerRecord, refusal: Refusal): Promise<void> {
  return ctx.store.recordSecurityEvent({
    action: 'oauth.edge_refused',
    clientId: answer.client_id,
    targetType: 'resource_server',
    targetId: server.url,
    details: {
      reason: refusal.reason,
      subject: answer.sub,
      token_kind: answer.token_kind,
      ...(refusal.tool ? { tool: refusal.tool.slice(0, 200) } : {}),
      ...(refusal.mcpMethod ? { mcp_method: refusal.mcpMethod.slice(0, 100) } : {}),
    },
  });
}

/** What the MCP server may trust, as headers and as a short-lived assertion signed with the active key. */
async function trustedHeaders(ctx: OAuthContext, answer: Active, resource: string): Promise<Record<string, string>> {
  const signer = await ctx.keys.getSigner();
  const iat = Math.floor(ctx.now().getTime() / 1000);
  const assertion = await signJwt(
    { alg: signer.alg, kid: signer.kid, typ: EDGE_ASSERTION_TYPE },
    {
      iss: ctx.issuer,
      aud: resource,
      sub: answer.sub,
      iat,
      exp: iat + EDGE_ASSERTION_TTL_SECONDS,
      jti: randomUUID(),
      ...(answer.client_id ? { client_id: answer.client_id } : {}),
      scope: answer.scope,
      workspaces: answer.workspaces,
      tools: answer.tools,
      token_kind: answer.token_kind,
    },
    signer.key,
  );
  const headers = {
    'X-Gatehouse-Subject': answer.sub,
    'X-Gatehouse-Client-Id': answer.client_id ?? '',
    'X-Gatehouse-Scope': answer.scope,
    'X-Gatehouse-Workspaces': answer.workspaces.join(' '),
    'X-Gatehouse-Tools': answer.tools.join(' '),
  };
  return { ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, encodeHeaderValue(value)])), 'X-Gatehouse-Assertion': assertion };
}
