// The client must exist, be enabled and, under GATEHOUSE_REGISTRATION=approval,
// approved unless an administrator made it. Failures are shown to the user,
// never redirected: the redirect URI is not yet trusted.
import { awaitingApprovalDescription, awaitsApproval } from '../client-trust.ts';
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import { AuthorizationError, type AuthorizationParams } from './request.ts';

export async function checkClient(ctx: OAuthContext, params: AuthorizationParams): Promise<OAuthClient> {
  if (!params.client_id) throw new AuthorizationError(new OAuthError('invalid_request', 'client_id is required', { mayRedirect: false }));
  let client: OAuthClient | null;
  try {
    client = await ctx.clients.resolve(params.client_id);
  } catch (error) {
    if (error instanceof OAuthError) throw new AuthorizationError(new OAuthError(error.code, error.description, { mayRedirect: false, detail: error.detail }));
    throw error;
  }
  if (!client) throw new AuthorizationError(new OAuthError('invalid_client', 'unknown client; it may need to register again', { mayRedirect: false }));
  if (client.disabled) throw new AuthorizationError(new OAuthError('invalid_client', 'this client has been disabled', { mayRedirect: false }));
  if (awaitsApproval(client, ctx.registrationPolicy)) {
    const error = new OAuthError('unauthorized_client', awaitingApprovalDescription(client), { mayRedirect: false });
    throw new AuthorizationError(error, null, null, { client, awaitingApproval: true });
  }
  return client;
}
