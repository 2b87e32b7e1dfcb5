// CSRF tokens for cookie-authenticated forms handled outside Next.js server
// actions (sign-out): an HMAC of the session cookie, so a token is only valid
// for the session it was rendered in.
import { createHmac } from 'node:crypto';
import { deriveKey, safeEqual } from '../../crypto.ts';

export function csrfTokenFor(secret: string, sessionCookie: string): string {
  return createHmac('sha256', deriveKey(secret, 'csrf')).update(sessionCookie).digest('base64url');
}

export function isValidCsrfToken(secret: string, sessionCookie: string, token: string | undefined): boolean {
  return Boolean(token) && safeEqual(csrfTokenFor(secret, sessionCookie), token!);
}
