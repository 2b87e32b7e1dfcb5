// Redirect URI rules (OAuth 2.1 §2.3.1, RFC 8252 §7.3, RFC 7591 §2): absolute,
// https or http on a loopback address, no fragment, no wildcard; matched exactly,
// except that a loopback URI may vary the port.
import { isUrl } from '../parse-url.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** Why a redirect URI may not be registered, or null when it may. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.includes('*')) return 'must not contain wildcards';
  if (!isUrl(uri)) return 'must be an absolute URL';
  const url = new URL(uri);
  if (uri.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? null : 'http is allowed only on loopback addresses; use https';
  // Private-use schemes for native apps (RFC 8252 §7.1) need a reverse-DNS name.
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/i.test(url.protocol) && !['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) return null;
  return `scheme ${url.protocol} is not allowed`;
}

/** Exact match, or loopback match ignoring only the port (RFC 8252 §7.3). */
export function isRedirectUriRegistered(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  if (!isUrl(requested)) return false;
  const req = new URL(requested);
  if (req.protocol !== 'http:' || !isLoopbackHost(req.hostname)) return false;
  return registered.some((candidate) => {
    if (!isUrl(candidate)) return false;
    const reg = new URL(candidate);
    return (
      reg.protocol === 'http:' &&
      reg.hostname === req.hostname &&
      reg.pathname === req.pathname &&
      reg.search === req.search &&
      withoutPort(candidate) === withoutPort(requested)
    );
  });
}

function withoutPort(uri: string): string {
  const url = new URL(uri);
  url.port = '';
  return url.href;
}

/** Where a redirect URI takes the user, as pages name it: its host (a custom scheme has none, so its scheme). */
export function redirectHost(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host || url.protocol;
}
