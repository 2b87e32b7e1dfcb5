// GET|POST /oauth/authorize — the checks, in order. The first two decide whether
// errors may be redirected at all; after them every error goes back to the
// client with `state` and `iss` — at once for a client an administrator made
// or approved, after the user has seen it for any other (AuthorizationError.delivery).
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { checkClient } from './check-client.ts';
import { checkDpopJkt, checkPkce } from './check-pkce.ts';
import { checkRedirectUri } from './check-redirect-uri.ts';
import { checkRequestedResource } from './check-resource.ts';
import { checkResponseType } from './check-response-type.ts';
import { checkScope } from './check-scope.ts';
import { AuthorizationError, type AuthorizationParams, type ValidatedAuthorizationRequest } from './request.ts';

export async function validateAuthorizationRequest(ctx: OAuthContext, params: AuthorizationParams): Promise<ValidatedAuthorizationRequest> {
  const client = await checkClient(ctx, params);
  const redirectUri = await checkRedirectUri(ctx, client, params);
  const state = params.state ?? null;
  try {
    checkResponseType(client, params);
    const codeChallenge = checkPkce(params);
    const dpopJkt = checkDpopJkt(params);
    const { resource, scope } = await checkRequestedResource(ctx, params, await checkScope(ctx, client, params));
    return { client, redirectUri, state, scope, resource, codeChallenge, dpopJkt, params };
  } catch (error) {
    if (error instanceof OAuthError) throw new AuthorizationError(error, redirectUri, state, { client });
    throw error;
  }
}
