// GET /oauth/authorize — RFC 6749 §4.1.1, OAuth 2.1 §4.1.1. Invalid requests
// are answered here (a page when the client or redirect URI can't be trusted,
// a redirect with `error` and `iss` otherwise); a grant that already covers the
// request goes straight back with a code; only a real question reaches the
// consent page that Next.js renders.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { approveAuthorization, errorRedirect, findCoveringGrant } from '../../oauth/authorize/respond.ts';
import { AuthorizationError, readAuthorizationParams, type ValidatedAuthorizationRequest } from '../../oauth/authorize/request.ts';
import { validateAuthorizationRequest } from '../../oauth/authorize/validate.ts';
import type { OAuthContext } from '../../oauth/context.ts';
import { redirectHost } from '../../oauth/redirect-uri.ts';
import { userOfRequest } from '../auth/request-user.ts';
import type { AppContext } from '../context.ts';
import { getOAuthContext } from '../oauth/provider.ts';
import { logOAuthErrorDetail, NO_STORE, sendEmpty, sendHtmlPage } from './respond.ts';

/** Answers an authorization error as the protocol core decided (AuthorizationError.delivery). */
function answerError(ctx: OAuthContext, res: ServerResponse, error: AuthorizationError): void {
  const delivery = error.delivery;
  if (delivery === 'awaiting_approval') {
    const client = error.client!;
    return sendHtmlPage(res, 403, `${client.name} is waiting for an administrator’s approval`, [
      `${client.name} registered itself with Gatehouse, and it can’t be used until an administrator approves it.`,
      `Ask your Gatehouse administrator to approve it on the Clients page (client ID ${client.clientId}), then try again.`,
    ]);
  }
  if (delivery === 'page' || !error.redirectUri) {
    return sendHtmlPage(res, 400, 'This sign-in link is not valid', `The application that sent you here made a request Gatehouse cannot accept: ${error.error.description}. Go back to the application and try again.`);
  }
  const location = errorRedirect(ctx, error.redirectUri, error.error, error.state);
  if (delivery === 'redirect') return sendEmpty(res, 303, { Location: location, ...NO_STORE });
  // RFC 9700 §4.11.2: nothing goes to a redirect URI no administrator vouched for before the user chooses to.
  const name = error.client?.name ?? 'The application';
  const host = redirectHost(error.redirectUri);
  sendHtmlPage(
    res,
    400,
    `${name} made a request Gatehouse cannot accept`,
    [
      `${error.error.description}.`,
      `The button below takes you back to ${name} at ${host}, with this error. No administrator has checked ${name}: go on only if you expected to return to ${host}.`,
    ],
    { linkHref: location, linkText: `Return to ${host}`, button: true },
  );
}

/** Validates, or answers the error itself and returns null. */
export async function validateOrAnswer(ctx: OAuthContext, res: ServerResponse, search: URLSearchParams): Promise<ValidatedAuthorizationRequest | null> {
  try {
    return await validateAuthorizationRequest(ctx, readAuthorizationParams(search));
  } catch (error) {
    if (!(error instanceof AuthorizationError)) throw error;
    logOAuthErrorDetail(res, error.error);
    answerError(ctx, res, error);
    return null;
  }
}

/** Returns true when answered; false hands the request to the consent page. */
export async function handleAuthorizeGet(req: IncomingMessage, res: ServerResponse, app: AppContext, url: URL): Promise<boolean> {
  const ctx = getOAuthContext(app);
  const request = await validateOrAnswer(ctx, res, url.searchParams);
  if (!request) return true;
  const user = await userOfRequest(req, app);
  if (!user) {
    // Back to this very request after signing in (a relative URL: sign-in never leaves Gatehouse).
    const callbackUrl = encodeURIComponent(`${url.pathname}${url.search}`);
    const signIn = app.config.oidc
      ? { linkHref: `/api/auth/signin?callbackUrl=${callbackUrl}`, linkText: 'Sign in with single sign-on' }
      : app.config.localLogin
        ? { linkHref: `/local-login?callbackUrl=${callbackUrl}`, linkText: 'Administrator sign-in' }
        : { linkHref: '/', linkText: 'Go to Gatehouse' };
    sendHtmlPage(res, 401, 'Please sign in', 'Sign in to Gatehouse to continue; you will come back to this request afterwards.', signIn);
    return true;
  }
  const covering = await findCoveringGrant(ctx, request, user.id);
  if (!covering) return false;
  const location = await approveAuthorization(ctx, request, { userId: user.id, workspaceKeys: covering.workspaceKeys, existingGrant: covering });
  sendEmpty(res, 303, { Location: location, ...NO_STORE });
  return true;
}
