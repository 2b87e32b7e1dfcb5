// Authorization responses (RFC 6749 §4.1.2) with `iss` (RFC 9207 §2) on every
// one, success or error; and the user's decision: a grant and a code, or
// access_denied.
import { randomUUID } from 'node:crypto';
import { hashToken, randomToken } from '../../crypto.ts';
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { Grant } from '../ports.ts';
import type { ValidatedAuthorizationRequest } from './request.ts';

export const AUTHORIZATION_CODE_PREFIX = 'gh_ac_';

export function authorizationRedirect(ctx: OAuthContext, redirectUri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null && value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set('iss', ctx.issuer);
  return url.href;
}

export function errorRedirect(ctx: OAuthContext, redirectUri: string, error: OAuthError, state: string | null): string {
  return authorizationRedirect(ctx, redirectUri, { error: error.code, error_description: error.description, state });
}

/** A grant that already covers the request lets the user through without asking again. */
export async function findCoveringGrant(ctx: OAuthContext, request: ValidatedAuthorizationRequest, userId: string): Promise<Grant | null> {
  const grant = await ctx.store.findActiveGrant(userId, request.client.id, request.resource);
  return grant && request.scope.every((s) => grant.scope.includes(s)) ? grant : null;
}

export async function approveAuthorization(
  ctx: OAuthContext,
  request: ValidatedAuthorizationRequest,
  decision: { userId: string; workspaceKeys: string[]; existingGrant?: Grant },
): Promise<string> {
  const now = ctx.now();
  const grant =
    decision.existingGrant ??
    (await ctx.store.saveGrant(
      { userId: decision.userId, clientId: request.client.id, scope: request.scope, resource: request.resource, workspaceKeys: decision.workspaceKeys },
      now,
    ));
  if (!decision.existingGrant) {
    await ctx.store.recordSecurityEvent({
      action: 'oauth.grant_created',
      clientId: request.client.clientId,
      userId: decision.userId,
      targetType: 'grant',
      targetId: grant.id,
      details: { scope: request.scope, resource: request.resource, workspaces: decision.workspaceKeys },
    });
  }
  const code = randomToken(AUTHORIZATION_CODE_PREFIX);
  await ctx.store.insertAuthorizationCode({
    id: randomUUID(),
    codeHash: hashToken(code),
    grantId: grant.id,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    dpopJkt: request.dpopJkt,
    scope: request.scope,
    resource: request.resource,
    expiresAt: new Date(now.getTime() + ctx.ttl.code * 1000),
  });
  return authorizationRedirect(ctx, request.redirectUri, { code, state: request.state });
}

export function denyAuthorization(ctx: OAuthContext, request: ValidatedAuthorizationRequest): string {
  return errorRedirect(ctx, request.redirectUri, new OAuthError('access_denied', 'the user denied the request'), request.state);
}
