// Where the access token comes from — decided here and nowhere else: the
// Authorization header when there is one (`Bearer`, RFC 6750 §2.1, or `DPoP`
// with its proof in the DPoP header, RFC 9449 §7.1); a cookie only when there
// is no Authorization header at all and the resource named a cookie.
import { InvalidRequestError, type AuthScheme } from './errors.ts';
import type { RequestLike } from './types.ts';

export type ExtractedToken = {
  token: string;
  source: 'header' | 'cookie';
  scheme: AuthScheme;
  /** The DPoP header's value (DPoP scheme only); null when there is none. */
  proof: string | null;
};

export type TokenSourceOptions = {
  /** Name of a cookie that may carry the token, for browser-only resources. Off unless set. */
  cookieName?: string;
};

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function header(request: RequestLike, name: string): string | null {
  const headers = request.headers;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(value)) return value.join(', ');
  return value ?? null;
}

function cookieValue(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}

/**
 * The request's access token, or null when it carries none. An Authorization
 * header that is present but not a well-formed Bearer or DPoP credential is an
 * error; it never falls back to the cookie.
 */
export function extractToken(request: RequestLike, options: TokenSourceOptions = {}): ExtractedToken | null {
  const authorization = header(request, 'authorization');
  if (authorization !== null) {
    const match = /^(Bearer|DPoP) +(\S+) *$/i.exec(authorization);
    if (!match) throw new InvalidRequestError('the Authorization header must be "Bearer <token>" or "DPoP <token>"');
    const scheme: AuthScheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    // token68 (RFC 9110 §11.2) for DPoP has the same characters as b64token.
    if (!B64TOKEN.test(match[2])) throw new InvalidRequestError('the access token has characters a token cannot have', { scheme });
    return { token: match[2], source: 'header', scheme, proof: scheme === 'DPoP' ? header(request, 'dpop') : null };
  }
  if (!options.cookieName) return null;
  const cookies = header(request, 'cookie');
  const token = cookies ? cookieValue(cookies, options.cookieName) : null;
  return token ? { token, source: 'cookie', scheme: 'Bearer', proof: null } : null;
}
