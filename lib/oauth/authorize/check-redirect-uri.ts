// redirect_uri must match a registered one exactly (OAuth 2.1 §2.3.1; loopback
// ports may vary, RFC 8252 §7.3). Without a match nothing may be redirected.
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import { isRedirectUriRegistered } from '../redirect-uri.ts';
import { AuthorizationError, type AuthorizationParams } from './request.ts';

export async function checkRedirectUri(ctx: OAuthContext, client: OAuthClient, params: AuthorizationParams): Promise<string> {
  const requested = params.redirect_uri;
  if (requested === undefined) {
    // Optional only when exactly one is registered (RFC 6749 §3.1.2.3).
    if (client.redirectUris.length === 1) return client.redirectUris[0];
    throw new AuthorizationError(new OAuthError('invalid_request', 'redirect_uri is required', { mayRedirect: false }));
  }
  if (!isRedirectUriRegistered(requested, client.redirectUris)) {
    await ctx.store.recordSecurityEvent({
      action: 'oauth.redirect_uri_rejected',
      clientId: client.clientId,
      targetType: 'client',
      targetId: client.clientId.slice(0, 200),
      details: { redirectUri: requested.slice(0, 500) },
    });
    throw new AuthorizationError(new OAuthError('invalid_request', 'redirect_uri is not registered for this client', { mayRedirect: false }));
  }
  return requested;
}
