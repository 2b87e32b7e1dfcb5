// The protocol endpoints, served straight from node:http (no Next.js on the hot
// path). Each handler parses, calls the core, and shapes the response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthorizationError, readAuthorizationParams, toSearchParams } from '../../oauth/authorize/request.ts';
import { currentDpopNonce } from '../../oauth/dpop.ts';
import { OAuthError } from '../../oauth/errors.ts';
import { handleIntrospectionRequest } from '../../oauth/introspection.ts';
import { decideEdgeRequest, trustedForwardedUrl, type HeaderReader } from '../../oauth/edge-decision.ts';
import { ENDPOINTS, authorizationServerMetadata, metadataPaths, protectedResourceMetadata, registeredResourceMetadata } from '../../oauth/metadata.ts';
import { handleRevocationRequest } from '../../oauth/revocation.ts';
import { handleTokenRequest, type FormParams } from '../../oauth/token-endpoint.ts';
import { readPresentedCredentials } from '../../oauth/client-auth.ts';
import type { AppContext } from '../context.ts';
import { getOAuthContext } from '../oauth/provider.ts';
import { clientIp, readBody, readForm } from './body.ts';
import { handleConsentDecision } from './consent-decision.ts';
import { countEdgeDecision, countRateLimitHit } from '../observability/hooks.ts';
import { errorSummary, log } from '../runtime/logger.ts';
import { rateLimiterOf } from './rate-limit.ts';
import { tokenClientLimits, type TokenClientLimits } from './token-client-limits.ts';
import { handleRegistration } from './registration.ts';
import { handleSignOut, redirectToSignOutPage } from './sign-out.ts';
import { CORS, NO_STORE, failRequest, methodNotAllowed, sendEmpty, sendHtmlPage, sendJson, sendJsonText, sendOAuthError } from './respond.ts';
import type { ScopeDefinition } from '../../oauth/ports.ts';
import { parseUrl } from '../../parse-url.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, app: AppContext, url: URL) => Promise<void>;
type Route = {
  methods: Record<string, Handler>;
  cors: boolean;
  limit?: { perIp: number; windowSeconds: number };
  /** Methods that Next.js answers at this path. */
  next?: string[];
  /** Visited in a browser, with the SSO edge's identity and the app session (else a machine-to-machine endpoint). */
  browser?: boolean;
};

/** Which routes a call answers: machine-to-machine ones, browser ones, or both. */
export type RouteKind = 'machine' | 'browser' | 'any';

function tooManyRequests(res: ServerResponse, retryAfterSeconds: number, cors: Record<string, string>): void {
  sendJson(res, 429, { error: 'slow_down', error_description: 'too many requests; retry later' }, { ...NO_STORE, ...cors, 'Retry-After': String(retryAfterSeconds) });
}

/** A browser's 429 is a page. */
function tooManyRequestsPage(res: ServerResponse, retryAfterSeconds: number): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  sendHtmlPage(res, 429, 'Too many requests', `Gatehouse received too many requests from your network address. Wait ${retryAfterSeconds} seconds, then try again.`);
}

/** The client a token request names, without authenticating it (only to key its rate limits). */
function presentedClientId(authorization: string | null, form: FormParams): string | null {
  try {
    return readPresentedCredentials({ authorization, body: { client_id: form.client_id?.[0], client_secret: form.client_secret?.[0] } })?.clientId ?? null;
  } catch {
    return null;
  }
}

function requestMeta(req: IncomingMessage) {
  return { authorization: req.headers.authorization ?? null, ip: clientIp(req), userAgent: req.headers['user-agent'] ?? null };
}

// The discovery documents are the same for every request until the scopes or
// the keys change: each is serialised once per version of what it is built
// from (the scope list and the key list keep their identity while unchanged).
const documents = new WeakMap<object, Map<string, string>>();

function serialized(source: object, variant: string, build: () => unknown): string {
  let byVariant = documents.get(source);
  if (!byVariant) documents.set(source, (byVariant = new Map()));
  let body = byVariant.get(variant);
  if (body === undefined) byVariant.set(variant, (body = JSON.stringify(build())));
  return body;
}

const scopeNames = (scopes: ScopeDefinition[]) => [...new Set([...scopes.map((s) => s.name), 'offline_access'])];

const DISCOVERY_HEADERS = { ...CORS, 'Cache-Control': 'public, max-age=300' };

const serverFeatures = (config: AppContext['config']) => ({
  dynamicRegistration: config.registration !== 'off',
  clientIdMetadataDocuments: config.cimdTrustedHosts === null || config.cimdTrustedHosts.length > 0,
});

const serveMetadata: Handler = async (_req, res, app) => {
  const scopes = await getOAuthContext(app).store.listScopes();
  const features = serverFeatures(app.config);
  const variant = `as ${app.config.issuer} ${features.dynamicRegistration} ${features.clientIdMetadataDocuments}`;
  sendJsonText(res, 200, serialized(scopes, variant, () => authorizationServerMetadata(app.config.issuer, scopeNames(scopes), features)), DISCOVERY_HEADERS);
};

const headerReader = (req: IncomingMessage): HeaderReader => (name) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const PROTECTED_RESOURCE_PREFIX = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 §3.1 for a registered resource server: the path after the
 * well-known segment is the resource's path, on the MCP host the edge names
 * (X-Forwarded-Host, trusted only with the proxy secret) or else on
 * Gatehouse's own origin. Null when no registered server lives there.
 */
async function servePublishedResource(req: IncomingMessage, res: ServerResponse, app: AppContext, url: URL): Promise<boolean> {
  const forwarded = trustedForwardedUrl(app.config.forwardAuth.proxySecret, headerReader(req));
  const origin = forwarded?.origin ?? new URL(app.config.issuer).origin;
  const path = url.pathname.slice(PROTECTED_RESOURCE_PREFIX.length) || '/';
  const store = getOAuthContext(app).store;
  const server = (await store.listResourceServers()).find((s) => {
    const url = parseUrl(s.url);
    return url !== null && url.origin === origin && url.pathname === path;
  });
  if (!server) return false;
  const known = (await store.listScopes()).map((s) => s.name);
  sendJson(res, 200, registeredResourceMetadata(app.config.issuer, server, known), DISCOVERY_HEADERS);
  return true;
}

const serveRegisteredResource: Handler = async (req, res, app, url) => {
  if (await servePublishedResource(req, res, app, url)) return;
  sendJson(res, 404, { error: 'not_found', error_description: 'no registered resource server has this metadata document' }, DISCOVERY_HEADERS);
};

const serveProtectedResource: Handler = async (req, res, app, url) => {
  // Gatehouse's own document, unless the edge asks for another host: then only a resource registered at its root.
  const forwarded = trustedForwardedUrl(app.config.forwardAuth.proxySecret, headerReader(req));
  if (forwarded && forwarded.origin !== new URL(app.config.issuer).origin) return serveRegisteredResource(req, res, app, url);
  const scopes = await getOAuthContext(app).store.listScopes();
  sendJsonText(res, 200, serialized(scopes, `pr ${app.config.issuer}`, () => protectedResourceMetadata(app.config.issuer, scopeNames(scopes))), DISCOVERY_HEADERS);
};

/** GET /edge/decision (any method: nginx auth_request and Traefik ForwardAuth subrequests); docs/deploy.md. */
const edgeDecision: Handler = async (req, res, app) => {
  const decision = await decideEdgeRequest(getOAuthContext(app), { proxySecret: app.config.forwardAuth.proxySecret, header: headerReader(req) });
  countEdgeDecision(decision.resource, decision.decision);
  if (decision.decision === 'refused') log('info', 'edge request refused', { reason: decision.reason, resource: decision.resource });
  sendEmpty(res, decision.status, { ...NO_STORE, ...decision.headers });
};
const EDGE_METHODS = Object.fromEntries(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [m, edgeDecision]));

const serveJwks: Handler = async (_req, res, app) => {
  const keys = await getOAuthContext(app).keys.getPublicKeys();
  sendJsonText(res, 200, serialized(keys, 'jwks', () => ({ keys })), { ...CORS, 'Cache-Control': 'public, max-age=60' });
};

/** Counts the core's answer; a limiter that can't be reached never turns an answer already given into an error. */
async function recordOutcome(limits: TokenClientLimits, outcome: 'success' | 'failure'): Promise<void> {
  try {
    await limits.record(outcome);
  } catch (error) {
    log('warn', 'token endpoint: rate limit not counted', { error: errorSummary(error) });
  }
}

const token: Handler = async (req, res, app) => {
  const meta = requestMeta(req);
  const form = await readForm(req);
  const clientId = presentedClientId(meta.authorization, form);
  // Per client on top of the per-IP limit, in a way no stranger can spend (token-client-limits.ts).
  const limits = clientId && app.config.rateLimits ? tokenClientLimits(rateLimiterOf(app), clientId, meta.ip) : null;
  if (limits) {
    const decision = await limits.check();
    if (!decision.allowed) {
      countRateLimitHit(ENDPOINTS.token, decision.limit);
      return tooManyRequests(res, decision.retryAfterSeconds, CORS);
    }
  }
  const ctx = getOAuthContext(app);
  // With server nonces on, every answer carries the nonce to use next (RFC 9449 §8.2).
  const nonce = currentDpopNonce(ctx);
  const headers = nonce ? { ...CORS, 'DPoP-Nonce': nonce } : CORS;
  let response: Awaited<ReturnType<typeof handleTokenRequest>>;
  try {
    // The proof names the method and the issuer's URL (lib/oauth/dpop.ts), never the socket's.
    const dpop = typeof req.headers.dpop === 'string' ? req.headers.dpop : null;
    response = await handleTokenRequest(ctx, { ...meta, form, dpop, method: req.method ?? 'POST' });
  } catch (error) {
    // The caller's own mistakes count against it; a server-side failure (503, 500) against nobody.
    if (error instanceof OAuthError && error.status < 500) {
      sendOAuthError(res, error, headers);
      if (limits) await recordOutcome(limits, 'failure');
      return;
    }
    throw error;
  }
  sendJson(res, 200, response, { ...NO_STORE, ...headers });
  if (limits) await recordOutcome(limits, 'success');
};

const revoke: Handler = async (req, res, app) => {
  await handleRevocationRequest(getOAuthContext(app), { ...requestMeta(req), form: await readForm(req) });
  sendEmpty(res, 200, { ...NO_STORE, ...CORS });
};

const introspect: Handler = async (req, res, app) => {
  const response = await handleIntrospectionRequest(getOAuthContext(app), { ...requestMeta(req), form: await readForm(req) });
  sendJson(res, 200, response, NO_STORE);
};

const MAX_AUTHORIZATION_QUERY = 8 * 1024;

/** A POST authorization request (OAuth 2.1 §4.1.1) continues as the equivalent GET, where the consent page lives. */
const authorizeByPost: Handler = async (req, res) => {
  // Only the authorization parameters are carried over, each within its length
  // bound, and the whole within what a browser and proxy accept in a Location.
  let query: string;
  try {
    query = toSearchParams(readAuthorizationParams(new URLSearchParams(await readBody(req)))).toString();
  } catch (error) {
    // A browser sent this: its errors are pages, an over-size body included.
    const description = error instanceof AuthorizationError ? error.error.description : error instanceof OAuthError ? error.description : null;
    if (description === null) throw error;
    return sendHtmlPage(res, 400, 'This sign-in link is not valid', `${description}. Go back to the application and try again.`);
  }
  if (query.length > MAX_AUTHORIZATION_QUERY) {
    return sendHtmlPage(res, 400, 'This sign-in link is not valid', 'The authorization request is too large. Go back to the application and try again.');
  }
  sendEmpty(res, 303, { Location: `${ENDPOINTS.authorization}?${query}`, ...NO_STORE });
};

/**
 * Per address, for GET (answered here or by the consent page) and POST together:
 * far above what people behind one address click through, well below a flood.
 */
export const AUTHORIZATION_LIMIT = { perIp: 300, windowSeconds: 60 };

function routes(app: AppContext): Map<string, Route> {
  const table = new Map<string, Route>();
  const paths = metadataPaths(app.config.issuer);
  for (const p of [...paths.authorizationServer, ...paths.openid]) table.set(p, { methods: { GET: serveMetadata }, cors: true });
  for (const p of paths.protectedResource) table.set(p, { methods: { GET: serveProtectedResource }, cors: true });
  table.set(ENDPOINTS.jwks, { methods: { GET: serveJwks }, cors: true });
  table.set(ENDPOINTS.edgeDecision, { methods: EDGE_METHODS, cors: false });
  table.set(ENDPOINTS.token, { methods: { POST: token }, cors: true, limit: { perIp: 600, windowSeconds: 10 } });
  table.set(ENDPOINTS.revocation, { methods: { POST: revoke }, cors: true, limit: { perIp: 600, windowSeconds: 10 } });
  table.set(ENDPOINTS.introspection, { methods: { POST: introspect }, cors: false, limit: { perIp: 3000, windowSeconds: 10 } });
  table.set(ENDPOINTS.registration, { methods: { POST: handleRegistration }, cors: true, limit: { perIp: 30, windowSeconds: 60 } });
  table.set(ENDPOINTS.authorization, { methods: { POST: authorizeByPost }, cors: false, limit: AUTHORIZATION_LIMIT, next: ['GET', 'HEAD'], browser: true });
  table.set('/sign-out', { methods: { POST: handleSignOut }, cors: false, next: ['GET', 'HEAD'], browser: true });
  table.set('/api/auth/signout', { methods: { GET: redirectToSignOutPage, POST: redirectToSignOutPage }, cors: false, browser: true });
  table.set(`${ENDPOINTS.authorization}/decision`, { methods: { POST: handleConsentDecision }, cors: false, limit: { perIp: 120, windowSeconds: 60 }, browser: true });
  return table;
}

const PUBLISHED_RESOURCE_ROUTE: Route = { methods: { GET: serveRegisteredResource }, cors: true };

const routeTables = new WeakMap<AppContext['config'], Map<string, Route>>();

function findRoute(app: AppContext, pathname: string): Route | null {
  let table = routeTables.get(app.config);
  if (!table) routeTables.set(app.config, (table = routes(app)));
  const route = table.get(pathname);
  if (route) return route;
  if (pathname.startsWith(`${ENDPOINTS.registration}/`)) {
    return { methods: { GET: handleRegistration, PUT: handleRegistration, DELETE: handleRegistration }, cors: true };
  }
  if (pathname.startsWith(`${PROTECTED_RESOURCE_PREFIX}/`)) return PUBLISHED_RESOURCE_ROUTE;
  return null;
}

/** Answers the request if it is for a protocol endpoint of that kind; returns false to let the caller go on. */
export async function handleProtocolRequest(req: IncomingMessage, res: ServerResponse, app: AppContext, url: URL, kind: RouteKind = 'any'): Promise<boolean> {
  const method = req.method ?? 'GET';
  const route = findRoute(app, url.pathname);
  if (!route) return false;
  if (kind !== 'any' && (kind === 'browser') !== (route.browser ?? false)) return false;
  const cors = route.cors ? CORS : {};
  if (method === 'OPTIONS' && route.cors) {
    sendEmpty(res, 204, cors);
    return true;
  }
  try {
    // The route's limit holds for the methods Next.js answers too.
    if (route.limit && app.config.rateLimits) {
      const decision = await rateLimiterOf(app).hit(`${url.pathname}|${clientIp(req)}`, route.limit.perIp, route.limit.windowSeconds);
      if (!decision.allowed) {
        countRateLimitHit(url.pathname, 'ip');
        if (route.browser) tooManyRequestsPage(res, decision.retryAfterSeconds);
        else tooManyRequests(res, decision.retryAfterSeconds, cors);
        return true;
      }
    }
    if (route.next?.includes(method)) return false;
    const handler = route.methods[method] ?? (method === 'HEAD' ? route.methods.GET : undefined);
    if (!handler) {
      methodNotAllowed(res, [...Object.keys(route.methods), ...(route.next ?? [])], cors);
      return true;
    }
    await handler(req, res, app, url);
  } catch (error) {
    if (res.headersSent) res.end();
    // A browser's errors are pages (a 503 one when the database or the rate limiter is away).
    else if (route.browser && !(error instanceof OAuthError)) failRequest(req, res, error);
    else sendOAuthError(res, error, cors);
  }
  return true;
}
