// POST /oauth/authorize/decision — the consent form's Allow or Deny. Only a
// same-origin form post by the user the page was rendered for is accepted
// (Origin / Sec-Fetch-Site checks, and the sealed ticket bound to that user).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { approveAuthorization, denyAuthorization } from '../../oauth/authorize/respond.ts';
import { userOfRequest } from '../auth/request-user.ts';
import type { AppContext } from '../context.ts';
import { openConsentTicket } from '../oauth/consent-ticket.ts';
import { getOAuthContext } from '../oauth/provider.ts';
import { validateOrAnswer } from './authorize.ts';
import { readForm } from './body.ts';
import { NO_STORE, sendEmpty, sendHtmlPage } from './respond.ts';
import { isSameOriginPost } from './same-origin.ts';

export async function handleConsentDecision(req: IncomingMessage, res: ServerResponse, app: AppContext): Promise<void> {
  if (!isSameOriginPost(req, app.config.issuer)) {
    return sendHtmlPage(res, 403, 'Request refused', 'This consent answer did not come from Gatehouse’s own page.');
  }
  const form = await readForm(req);
  const user = await userOfRequest(req, app);
  if (!user) return sendHtmlPage(res, 401, 'Please sign in', 'Your session has ended. Return to the application and start again.');
  const search = openConsentTicket(app.secret, form.ticket?.[0] ?? '', user.id);
  if (!search) {
    return sendHtmlPage(res, 400, 'This consent page has expired', 'Return to the application and start again.');
  }
  const ctx = getOAuthContext(app);
  const request = await validateOrAnswer(ctx, res, search);
  if (!request) return;
  const decision = form.decision?.[0];
  if (decision === 'deny') return sendEmpty(res, 303, { Location: denyAuthorization(ctx, request), ...NO_STORE });
  if (decision !== 'allow') return sendHtmlPage(res, 400, 'No answer given', 'Choose Allow or Deny on the consent page.');

  // Only workspaces the user has now can be shared.
  const mine = new Set(await ctx.store.listUserWorkspaces(user.id));
  const shared = [...new Set(form.workspace ?? [])].filter((w) => mine.has(w));
  const location = await approveAuthorization(ctx, request, { userId: user.id, workspaceKeys: shared });
  sendEmpty(res, 303, { Location: location, ...NO_STORE });
}
