// Security headers on every response. Scripts run only with the
// per-request nonce (Next.js reads it from the request's CSP header and puts it
// on its own scripts); nothing may frame Gatehouse.
import { pooledRandomBytes } from '../../crypto.ts';

/** 128 bits, for one response's CSP nonce. */
export function newNonce(): string {
  return pooledRandomBytes(16).toString('base64');
}

export function contentSecurityPolicy(nonce: string, opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What every response carries, page or not: no framing, no sniffing, no referrer, HTTPS only when served so. */
function baseSecurityHeaders(https: boolean): Record<string, string> {
  return {
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...(https ? { 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

export function securityHeaders(opts: { nonce: string; https: boolean; dev?: boolean }): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(opts.nonce, opts),
    ...baseSecurityHeaders(opts.https),
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/**
 * The machine-to-machine endpoints (token, introspection, revocation, JWKS,
 * metadata, registration) answer JSON that no page embeds: a fixed policy
 * that allows nothing, the same for every response.
 */
export function apiSecurityHeaders(opts: { https: boolean }): Array<[string, string]> {
  return Object.entries({ 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", ...baseSecurityHeaders(opts.https) });
}
