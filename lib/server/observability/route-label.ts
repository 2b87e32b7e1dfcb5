// A bounded label for a request path, for metrics and access logs: the matched
// route for endpoints Gatehouse answers itself, a few coarse groups for the
// rest. Never the raw URL: ids and query strings would make the label set
// unbounded (and the authorization request's query has no place in metrics).
import { ENDPOINTS } from '../../oauth/metadata.ts';
import { isUrl } from '../../parse-url.ts';

const EXACT = new Set<string>([
  '/healthz',
  '/readyz',
  '/metrics',
  ENDPOINTS.authorization,
  `${ENDPOINTS.authorization}/decision`,
  ENDPOINTS.token,
  ENDPOINTS.registration,
  ENDPOINTS.revocation,
  ENDPOINTS.introspection,
  ENDPOINTS.jwks,
  ENDPOINTS.edgeDecision,
  '/sign-out',
  '/api/me',
]);

const WELL_KNOWN = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/.well-known/oauth-protected-resource'];

/** Labels a request path (after the issuer's base path is stripped). */
export function routeLabel(pathname: string | null): string {
  if (pathname === null) return 'invalid';
  if (EXACT.has(pathname)) return pathname;
  if (pathname.startsWith(`${ENDPOINTS.registration}/`)) return `${ENDPOINTS.registration}/:client_id`;
  for (const prefix of WELL_KNOWN) {
    // RFC 8414 §3.1 path-inserted forms (/.well-known/…/tenant) and OIDC's appended one (/tenant/.well-known/…).
    if (pathname === prefix || pathname.startsWith(`${prefix}/`) || pathname.endsWith(prefix)) return prefix;
  }
  if (pathname.startsWith('/api/auth/')) return '/api/auth';
  if (pathname.startsWith('/_next/')) return 'static';
  if (pathname.startsWith('/api/')) return 'api';
  if (/\.(?:ico|png|svg|jpg|jpeg|gif|webp|txt|xml|webmanifest|css|js|map|woff2?)$/i.test(pathname)) return 'static';
  return 'page';
}

/** Characters the URL parser leaves as they are in a path (`//x` would name a host); dot segments it would resolve. */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9._~\/-]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** The request's path as the router sees it: the issuer's base path stripped, like http-server.ts does; null if malformed. */
export function routedPathname(rawUrl: string | undefined, basePath: string): string | null {
  const target = rawUrl ?? '/';
  let pathname: string;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  // A plain path is its own pathname: no URL parse for the common case.
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) pathname = path;
  else if (!target.startsWith('/') || !isUrl(target, 'http://localhost')) return null;
  else pathname = new URL(target, 'http://localhost').pathname;
  if (basePath && pathname.startsWith(`${basePath}/`)) pathname = pathname.slice(basePath.length);
  return pathname;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function methodLabel(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'other';
}
