// Applies the SSO edge's forwarded identity to a request before Next.js sees it
// (docs/deploy.md). Untrusted identity headers are stripped; a trusted identity is
// provisioned and becomes the app session — replacing, never mixing with, a
// session of another user.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROXY_SECRET_HEADER, identityHeaderNames, readForwardedIdentity } from '../../identity/forward-auth.ts';
import {
  decodeSessionToken,
  encodeSessionToken,
  serializeMarkerCookie,
  serializeSessionCookie,
  sessionCookieName,
  signingOutCookieName,
} from '../auth/session-token.ts';
import type { AppContext } from '../context.ts';
import { signInExternalUser } from '../users/sign-in-external-user.ts';
import { parseCookies, replaceCookie } from './cookies.ts';
import { requestIdOf } from '../observability/request-context.ts';
import { log } from './logger.ts';

export type EdgeOutcome = { kind: 'continue' } | { kind: 'refused'; status: number; message: string };

/** Adds a Set-Cookie that survives Next.js later setting its own cookies. */
function addSetCookie(res: ServerResponse, cookie: string): void {
  const setHeader = res.setHeader.bind(res);
  const ours = [cookie];
  res.setHeader = ((name: string, value: number | string | readonly string[]) => {
    if (name.toLowerCase() !== 'set-cookie') return setHeader(name, value);
    const theirs = Array.isArray(value) ? value : [String(value)];
    return setHeader(name, [...ours, ...theirs.filter((c) => !ours.includes(c))]);
  }) as ServerResponse['setHeader'];
  setHeader('Set-Cookie', ours);
}

/** What the edge said about this request, for the admin diagnostics page (never the secret itself). */
export const EDGE_REPORT_HEADER = 'x-gatehouse-edge-report';

export type EdgeReport = {
  outcome: string;
  detail?: string;
  headersPresent: string[];
  secretPresent: boolean;
  email?: string;
  groups?: string[];
};

export async function applyEdgeIdentity(req: IncomingMessage, res: ServerResponse, pathname: string, ctx: AppContext): Promise<EdgeOutcome> {
  const settings = ctx.config.forwardAuth;
  const header = (name: string) => {
    const value = req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const result = readForwardedIdentity(pathname, header, settings);
  const names = identityHeaderNames(settings);
  const report: EdgeReport = {
    outcome: result.kind === 'identity' ? 'signed_in' : result.reason,
    detail: result.kind === 'ignored' ? result.detail : undefined,
    headersPresent: names.filter((n) => header(n) !== undefined && n !== PROXY_SECRET_HEADER),
    secretPresent: header(PROXY_SECRET_HEADER) !== undefined,
    ...(result.kind === 'identity' ? { email: result.identity.email, groups: result.identity.groups } : {}),
  };
  // Nothing behind this point may read identity headers or the proxy secret.
  for (const name of names) delete req.headers[name.toLowerCase()];
  req.headers[EDGE_REPORT_HEADER] = JSON.stringify(report);

  const cookies = parseCookies(req.headers.cookie);
  const signingOut = cookies.has(signingOutCookieName(ctx.config.issuer));
  if (signingOut && pathname === new URL(ctx.config.signOut.landingUrl).pathname) {
    addSetCookie(res, serializeMarkerCookie(ctx.config.issuer, 0));
  }

  if (result.kind !== 'identity') {
    if (result.reason === 'bad_secret' || result.reason === 'invalid_identity') {
      log('warn', 'forwarded identity ignored', { reason: result.reason, detail: result.detail, path: pathname, request_id: requestIdOf(req) });
    }
    return { kind: 'continue' };
  }

  // Sign-out in progress: don't let a request still in flight sign the user back in.
  if (signingOut) return { kind: 'continue' };

  const outcome = await signInExternalUser(ctx.db, result.identity, { adminEmails: ctx.config.adminEmails, adminGroups: ctx.config.adminGroups });
  if (!outcome.ok) return { kind: 'refused', status: 403, message: outcome.message };

  const cookieName = sessionCookieName(ctx.config.issuer);
  const current = cookies.get(cookieName);
  const session = current ? await decodeSessionToken(current, ctx.secret) : null;
  if (session?.sub === outcome.user.id) return { kind: 'continue' };

  const token = await encodeSessionToken({ sub: outcome.user.id, email: outcome.user.email, name: outcome.user.name, via: 'forward_auth' }, ctx.secret);
  req.headers.cookie = replaceCookie(req.headers.cookie, cookieName, token);
  addSetCookie(res, serializeSessionCookie(ctx.config.issuer, token));
  if (session?.sub) log('info', 'forwarded identity replaced the session of another user', { userId: outcome.user.id, request_id: requestIdOf(req) });
  return { kind: 'continue' };
}
