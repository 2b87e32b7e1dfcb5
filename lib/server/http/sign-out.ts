// POST /sign-out — clear the app session first (always, even if the
// audit write fails), then send the browser down the configured chain:
// oauth2-proxy's sign-out → the identity provider's logout → the landing page.
// next-auth's /api/auth/signout leads there too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signOutRedirect } from '../../identity/sign-out.ts';
import { isValidCsrfToken } from '../auth/csrf.ts';
import { SIGNING_OUT_MAX_AGE_SECONDS, decodeSessionToken, serializeMarkerCookie, serializeSessionCookie, sessionCookieName } from '../auth/session-token.ts';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { requestIdOf } from '../observability/request-context.ts';
import { errorSummary, log } from '../runtime/logger.ts';
import { parseCookies } from '../runtime/cookies.ts';
import { clientIp, readForm } from './body.ts';
import { NO_STORE, sendEmpty, sendHtmlPage } from './respond.ts';
import { isSameOriginPost } from './same-origin.ts';

/**
 * While the browser walks the chain, a request already in flight (a prefetch)
 * still carries oauth2-proxy's cookie and would sign the user straight back in.
 * A short-lived marker tells the edge layer not to; the landing page clears it.
 * Only when the landing page is ours, or nothing would ever clear it.
 */
function signingOutMarker(app: AppContext): string[] {
  const landing = new URL(app.config.signOut.landingUrl);
  if (landing.origin !== new URL(app.config.issuer).origin) return [];
  return [serializeMarkerCookie(app.config.issuer, SIGNING_OUT_MAX_AGE_SECONDS)];
}

/**
 * next-auth's own /api/auth/signout would clear the app session alone, and the
 * edge would sign the user straight back in: GET and POST both go to the
 * sign-out page, whose form runs the whole chain. Nothing is cleared here, so a
 * link or a cross-site form can't sign anyone out.
 */
export async function redirectToSignOutPage(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendEmpty(res, 303, { Location: '/sign-out', ...NO_STORE });
}

export async function handleSignOut(req: IncomingMessage, res: ServerResponse, app: AppContext): Promise<void> {
  if (!isSameOriginPost(req, app.config.issuer)) {
    return sendHtmlPage(res, 403, 'Request refused', 'Sign out from Gatehouse’s own page.', { linkHref: '/sign-out', linkText: 'Sign out' });
  }
  const form = await readForm(req);
  const cookie = parseCookies(req.headers.cookie).get(sessionCookieName(app.config.issuer));
  if (cookie && !isValidCsrfToken(app.secret, cookie, form.csrf?.[0])) {
    return sendHtmlPage(res, 403, 'Request refused', 'This sign-out form has expired. Open the sign-out page again.', { linkHref: '/sign-out', linkText: 'Sign out' });
  }

  res.setHeader('Set-Cookie', [serializeSessionCookie(app.config.issuer, '', 0), ...signingOutMarker(app)]);
  const session = cookie ? await decodeSessionToken(cookie, app.secret) : null;
  if (session?.sub) {
    try {
      await recordAudit(app.db, {
        actor: { type: 'user', id: session.sub, label: session.email ?? undefined },
        action: 'user.signed_out',
        target: { type: 'user', id: session.sub },
        ip: clientIp(req),
        userAgent: req.headers['user-agent'],
      });
    } catch (error) {
      log('warn', 'sign-out audit event not written', { error: errorSummary(error), request_id: requestIdOf(req) });
    }
  }
  sendEmpty(res, 303, { Location: signOutRedirect(app.config.signOut), ...NO_STORE });
}
