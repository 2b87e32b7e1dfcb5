// Identity from the SSO edge. oauth2-proxy, behind the reverse
// proxy's ForwardAuth, copies X-Auth-Request-* headers onto the request and the
// edge adds a shared secret. Headers are trusted only with that secret, and
// never on bypass paths (which the edge does not authenticate).
import { safeEqual } from '../crypto.ts';

export const PROXY_SECRET_HEADER = 'x-gatehouse-proxy-secret';

export type ForwardAuthSettings = {
  enabled: boolean;
  proxySecret: string | null;
  headers: { email: string; user: string; groups: string };
  usernameEmailDomain: string | null;
  bypassPaths: string[];
};

export type ForwardedIdentity = { email: string; username: string; groups: string[] };

export type ForwardAuthResult =
  | { kind: 'identity'; identity: ForwardedIdentity }
  /** Why identity headers (if any) were not used. */
  | { kind: 'ignored'; reason: 'disabled' | 'bypass_path' | 'no_secret' | 'bad_secret' | 'no_identity' | 'invalid_identity'; detail?: string };

type HeaderGetter = (name: string) => string | null | undefined;

/** `/local-login` bypasses `/local-login` and `/local-login/x`, not `/local-loginx`. */
export function isBypassPath(pathname: string, bypassPaths: string[]): boolean {
  return bypassPaths.some((p) => {
    const base = p.endsWith('/') ? p.slice(0, -1) : p;
    return pathname === base || pathname.startsWith(`${base}/`);
  });
}

const EMAIL = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const USERNAME = /^[a-z0-9][a-z0-9._+-]{0,63}$/i;

/** The username Gatehouse shows: the email's local part. */
export function usernameFromEmail(email: string): string {
  return email.slice(0, email.lastIndexOf('@')).toLowerCase();
}

export function readForwardedIdentity(
  pathname: string,
  header: HeaderGetter,
  settings: ForwardAuthSettings,
): ForwardAuthResult {
  if (!settings.enabled || !settings.proxySecret) return { kind: 'ignored', reason: 'disabled' };
  if (isBypassPath(pathname, settings.bypassPaths)) return { kind: 'ignored', reason: 'bypass_path' };
  const presented = header(PROXY_SECRET_HEADER);
  if (!presented) return { kind: 'ignored', reason: 'no_secret' };
  if (!safeEqual(presented, settings.proxySecret)) return { kind: 'ignored', reason: 'bad_secret' };

  const emailHeader = header(settings.headers.email)?.trim();
  const userHeader = header(settings.headers.user)?.trim();
  const groups = (header(settings.headers.groups) ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);

  // The email header first, else the user header. Either may hold a bare
  // username: a Cognito pool without an email attribute puts the username
  // where the email would be. It is mapped through the configured domain.
  const claimed = emailHeader || userHeader;
  if (!claimed) return { kind: 'ignored', reason: 'no_identity' };
  let email: string;
  if (claimed.includes('@')) email = claimed;
  else if (settings.usernameEmailDomain) {
    if (!USERNAME.test(claimed)) return { kind: 'ignored', reason: 'invalid_identity', detail: 'the forwarded username is not a valid username' };
    email = `${claimed}@${settings.usernameEmailDomain}`;
  } else {
    return { kind: 'ignored', reason: 'invalid_identity', detail: 'bare username without GATEHOUSE_USERNAME_EMAIL_DOMAIN' };
  }
  email = email.toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    return { kind: 'ignored', reason: 'invalid_identity', detail: 'email header is not an email address' };
  }
  return { kind: 'identity', identity: { email, username: usernameFromEmail(email), groups } };
}

/** Header names to remove before the request goes further, whenever they were not trusted. */
export function identityHeaderNames(settings: ForwardAuthSettings): string[] {
  return [settings.headers.email, settings.headers.user, settings.headers.groups, PROXY_SECRET_HEADER];
}

/** Whether the identity makes its user an admin on sign-in. */
export function isAdminIdentity(identity: { email: string; groups: string[] }, adminEmails: string[], adminGroups: string[]): boolean {
  return adminEmails.includes(identity.email) || identity.groups.some((g) => adminGroups.includes(g));
}
