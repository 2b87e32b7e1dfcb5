// grant_type=authorization_code (RFC 6749 §4.1.3, OAuth 2.1 §4.1.3, RFC 7636 §4.6,
// RFC 8707 §2.2). The code is redeemed at most once: the redemption and the
// tokens it issues are stored in one transaction, and a second presentation
// revokes everything issued from it.
import { hashToken } from '../../crypto.ts';
import { signAccessToken } from '../access-token.ts';
import type { OAuthContext } from '../context.ts';
import { refreshTokenKey, type DpopKey } from '../dpop.ts';
import { invalidGrant, invalidRequest, unauthorizedClient } from '../errors.ts';
import { verifyPkce } from '../pkce.ts';
import type { OAuthClient } from '../ports.ts';
import { resolveGrantReach } from '../reach.ts';
import { checkTokenRequestResource } from '../resource.ts';
import { assertGrantUsable, findGrantOfClient } from './grant-checks.ts';
import { newRefreshToken, tokenResponse, type TokenResponse } from './token-response.ts';

export type AuthorizationCodeParams = { code?: string; redirect_uri?: string; code_verifier?: string; resource?: string[]; dpop?: DpopKey | null };

export async function exchangeAuthorizationCode(ctx: OAuthContext, client: OAuthClient, params: AuthorizationCodeParams, meta: { ip?: string | null; userAgent?: string | null } = {}): Promise<TokenResponse> {
  if (!client.grantTypes.includes('authorization_code')) throw unauthorizedClient('this client may not use the authorization_code grant');
  if (!params.code) throw invalidRequest('code is required');
  if (!params.code_verifier) throw invalidRequest('code_verifier is required (PKCE)');
  const now = ctx.now();

  const code = await ctx.store.findAuthorizationCode(hashToken(params.code));
  if (!code) throw invalidGrant('the authorization code is invalid');
  const grant = await findGrantOfClient(ctx, code.grantId, client, 'authorization code');

  const replayed = async () => {
    await ctx.store.revokeFamily(code.id, 'code_replay', now, {
      action: 'oauth.code_replayed',
      clientId: client.clientId,
      userId: grant.userId,
      targetType: 'grant',
      targetId: grant.id,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return invalidGrant('the authorization code has already been used');
  };
  if (code.redeemedAt) throw await replayed();
  if (code.expiresAt.getTime() <= now.getTime()) throw invalidGrant('the authorization code has expired');
  if (params.redirect_uri !== code.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
  if (!verifyPkce(params.code_verifier, code.codeChallenge)) throw invalidGrant('PKCE verification failed');
  // RFC 9449 §10: a code bound to a key is redeemed only with a proof made with it (and stays unredeemed otherwise).
  if (code.dpopJkt && code.dpopJkt !== params.dpop?.jkt) throw invalidGrant('the authorization code is bound to a DPoP key; send a proof made with it');
  checkTokenRequestResource(params.resource, code.resource);
  const userWorkspaces = await assertGrantUsable(ctx, grant);

  const reach = await resolveGrantReach(ctx.store, grant, userWorkspaces, code.scope);
  const access = await signAccessToken(ctx, {
    kind: 'oauth',
    subject: grant.userId,
    clientId: client.clientId,
    clientInternalId: client.id,
    userId: grant.userId,
    grantId: grant.id,
    familyId: code.id,
    scope: code.scope,
    resource: code.resource,
    reach,
    jkt: params.dpop?.jkt ?? null,
  });
  const refresh = client.grantTypes.includes('refresh_token')
    ? newRefreshToken(ctx, { grantId: grant.id, familyId: code.id, parentId: null, scope: code.scope, resource: code.resource, jkt: refreshTokenKey(client, null, params.dpop) })
    : null;

  const outcome = await ctx.store.redeemAuthorizationCode(code.id, now, { accessToken: access.record, refreshToken: refresh?.record ?? null });
  if (outcome === 'already_redeemed') throw await replayed();
  await Promise.all([ctx.store.touchGrant(grant.id, now), ctx.store.touchClient(client.id, now)]);
  return tokenResponse(access, code.scope, refresh?.value ?? null);
}
