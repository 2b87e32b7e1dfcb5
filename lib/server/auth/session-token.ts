// The app session: a next-auth JWT session cookie. Forward auth, direct
// OIDC and local login all end in this one shape. The custom server and
// next-auth both use these helpers so the cookie is written one way only.
import { decode, encode, type JWT } from 'next-auth/jwt';
import { deriveKey } from '../../crypto.ts';

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export type SessionVia = 'forward_auth' | 'oidc' | 'local';

export type SessionClaims = { sub: string; email: string; name?: string | null; via: SessionVia };

/** `__Host-` pins the cookie to this host and path `/` and requires Secure, so only on https. */
function cookieName(issuer: string, base: string): string {
  return issuer.startsWith('https:') ? `__Host-${base}` : base;
}

export function sessionCookieName(issuer: string): string {
  return cookieName(issuer, 'gatehouse.session');
}

export function sessionCookieOptions(issuer: string) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: issuer.startsWith('https:') };
}

/** next-auth's signing/encryption secret, derived so GATEHOUSE_SECRET itself is never used directly. */
export function sessionSecret(secret: string): string {
  return deriveKey(secret, 'session').toString('base64url');
}

export async function encodeSessionToken(claims: SessionClaims, secret: string): Promise<string> {
  return encode({ token: { ...claims } as JWT, secret: sessionSecret(secret), maxAge: SESSION_MAX_AGE_SECONDS });
}

export async function decodeSessionToken(token: string, secret: string): Promise<JWT | null> {
  try {
    return await decode({ token, secret: sessionSecret(secret) });
  } catch {
    return null;
  }
}

/** Every Gatehouse cookie: HttpOnly, SameSite=Lax, path /, Secure on https. */
function serializeCookie(issuer: string, name: string, value: string, maxAge: number): string {
  const opts = sessionCookieOptions(issuer);
  return [`${name}=${value}`, `Path=${opts.path}`, `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Lax', ...(opts.secure ? ['Secure'] : [])].join('; ');
}

export function serializeSessionCookie(issuer: string, value: string, maxAge = SESSION_MAX_AGE_SECONDS): string {
  return serializeCookie(issuer, sessionCookieName(issuer), value, maxAge);
}

/** Set by sign-out for the few seconds the browser needs to walk the sign-out chain. */
export const SIGNING_OUT_MAX_AGE_SECONDS = 60;

export function signingOutCookieName(issuer: string): string {
  return cookieName(issuer, 'gatehouse.signing-out');
}

export function serializeMarkerCookie(issuer: string, maxAge: number): string {
  return serializeCookie(issuer, signingOutCookieName(issuer), maxAge > 0 ? '1' : '', maxAge);
}
