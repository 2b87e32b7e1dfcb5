// grant_type=refresh_token (RFC 6749 §6, OAuth 2.1 §4.3.1 and §4.3.3): the token
// rotates on every use. A retry of the just-rotated token inside the grace
// window gets the same new tokens back (a client that lost the response must
// not lose the grant); any other reuse revokes the whole family. The retry
// record (the successor's response, sealed) holds live tokens, so it is kept
// only for the window: not at all without one, dropped with a revoked family,
// and swept once the window is over (clearExpiredRefreshRetries).
import { hashToken } from '../../crypto.ts';
import { signAccessToken } from '../access-token.ts';
import type { OAuthContext } from '../context.ts';
import { refreshTokenKey, type DpopKey } from '../dpop.ts';
import { invalidGrant, invalidRequest, invalidScope, unauthorizedClient } from '../errors.ts';
import type { OAuthClient, RefreshToken, SecurityEvent } from '../ports.ts';
import { resolveGrantReach } from '../reach.ts';
import { checkTokenRequestResource } from '../resource.ts';
import { isSubset, parseScope } from '../scope.ts';
import { assertGrantUsable, findGrantOfClient } from './grant-checks.ts';
import { newRefreshToken, tokenResponse, type TokenResponse } from './token-response.ts';

export type RefreshParams = { refresh_token?: string; scope?: string; resource?: string[]; dpop?: DpopKey | null };

type Meta = { ip?: string | null; userAgent?: string | null };

export async function refreshAccessToken(ctx: OAuthContext, client: OAuthClient, params: RefreshParams, meta: Meta = {}): Promise<TokenResponse> {
  if (!client.grantTypes.includes('refresh_token')) throw unauthorizedClient('this client may not use the refresh_token grant');
  if (!params.refresh_token) throw invalidRequest('refresh_token is required');
  const now = ctx.now();

  const token = await ctx.store.findRefreshToken(hashToken(params.refresh_token));
  if (!token) throw invalidGrant('the refresh token is invalid');
  const grant = await findGrantOfClient(ctx, token.grantId, client, 'refresh token');

  if (token.revokedAt) throw invalidGrant('the refresh token has been revoked');
  // A key-bound token is worth nothing without the key (RFC 9449 §5), not even
  // as a retry inside the grace window, whose response holds live tokens.
  if (token.jkt && token.jkt !== params.dpop?.jkt) {
    throw invalidGrant(params.dpop ? 'the refresh token is bound to another DPoP key' : 'the refresh token is bound to a DPoP key; send a DPoP proof made with it');
  }
  if (token.rotatedAt) return retryOrRevoke(ctx, client, token, grant.userId, meta);
  if (token.expiresAt.getTime() <= now.getTime()) throw invalidGrant('the refresh token has expired');
  const userWorkspaces = await assertGrantUsable(ctx, grant);

  // A narrower scope may be asked for (RFC 6749 §6); never a wider one.
  const requested = parseScope(params.scope);
  if (requested.length && !isSubset(requested, token.scope)) throw invalidScope('the requested scope exceeds the original grant');
  const scope = requested.length ? requested : token.scope;
  checkTokenRequestResource(params.resource, token.resource);

  const reach = await resolveGrantReach(ctx.store, grant, userWorkspaces, scope);
  const access = await signAccessToken(ctx, {
    kind: 'oauth',
    subject: grant.userId,
    clientId: client.clientId,
    clientInternalId: client.id,
    userId: grant.userId,
    grantId: grant.id,
    familyId: token.familyId,
    scope,
    resource: token.resource,
    reach,
    jkt: params.dpop?.jkt ?? null,
  });
  const successor = newRefreshToken(ctx, {
    grantId: grant.id,
    familyId: token.familyId,
    parentId: token.id,
    scope: token.scope,
    resource: token.resource,
    jkt: refreshTokenKey(client, token.jkt, params.dpop),
  });
  const response = tokenResponse(access, scope, successor.value);

  const retryCipher = ctx.ttl.refreshReuseGrace > 0 ? ctx.seal(JSON.stringify(response)) : null;
  const outcome = await ctx.store.rotateRefreshToken(token.id, now, retryCipher, {
    accessToken: access.record,
    refreshToken: successor.record,
  });
  if (outcome === 'already_rotated') {
    const current = await ctx.store.findRefreshToken(hashToken(params.refresh_token));
    return retryOrRevoke(ctx, client, current ?? token, grant.userId, meta);
  }
  await Promise.all([ctx.store.touchGrant(grant.id, now), ctx.store.touchClient(client.id, now)]);
  return response;
}

async function retryOrRevoke(ctx: OAuthContext, client: OAuthClient, token: RefreshToken, userId: string, meta: Meta): Promise<TokenResponse> {
  const now = ctx.now();
  const sinceRotation = token.rotatedAt ? now.getTime() - token.rotatedAt.getTime() : Infinity;
  const graceMs = ctx.ttl.refreshReuseGrace * 1000;
  // A retry is a client that lost the response: the successor must still be unused.
  const retry = graceMs > 0 && !token.revokedAt && token.retryCipher && sinceRotation < graceMs ? (JSON.parse(ctx.unseal(token.retryCipher)) as TokenResponse) : null;
  const successor = retry?.refresh_token ? await ctx.store.findRefreshToken(hashToken(retry.refresh_token)) : null;
  const isRetry = Boolean(retry && successor && !successor.rotatedAt && !successor.revokedAt);
  // Both outcomes are audited apart: retries are benign, family revocations are likely theft.
  const event: SecurityEvent = {
    action: 'oauth.refresh_reused',
    clientId: client.clientId,
    userId,
    targetType: 'refresh_family',
    targetId: token.familyId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    details: isRetry ? { outcome: 'grace_retry', secondsSinceRotation: Math.round(sinceRotation / 1000) } : { outcome: 'family_revoked' },
  };
  if (isRetry) await ctx.store.recordSecurityEvent(event);
  else await ctx.store.revokeFamily(token.familyId, 'reuse', now, event);
  if (isRetry) return retry!;
  throw invalidGrant('the refresh token has already been used');
}

/** Drops the retry records whose grace window is over (a retry is one while less than the window has passed); returns how many. */
export function clearExpiredRefreshRetries(ctx: Pick<OAuthContext, 'store' | 'now' | 'ttl'>): Promise<number> {
  return ctx.store.clearRefreshRetries(new Date(ctx.now().getTime() - ctx.ttl.refreshReuseGrace * 1000));
}
