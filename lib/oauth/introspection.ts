// POST /oauth/introspect — RFC 7662, for resource-server clients allowed to
// introspect. Every kind of token answers with the same fields, and workspaces
// and tools are resolved now, so a revocation, a team change, a disabled
// client or a disabled team owner shows at once.
import { hashToken } from '../crypto.ts';
import { verifyOwnAccessToken } from './access-token.ts';
import { authenticateClient } from './client-auth.ts';
import type { OAuthContext } from './context.ts';
import { OAuthError, invalidRequest } from './errors.ts';
import { intersect, resolveGrantReach } from './reach.ts';
import { REFRESH_TOKEN_PREFIX } from './grants/token-response.ts';
import { formatScope } from './scope.ts';
import { singleValued, type FormParams } from './token-endpoint.ts';

export const PERSONAL_TOKEN_PREFIX = 'gh_pat_';
export const TEAM_TOKEN_PREFIX = 'gh_team_';

export type TokenKind = 'access_token' | 'personal_token' | 'team_token';

export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      iss: string;
      sub: string;
      client_id?: string;
      scope: string;
      aud: string;
      exp?: number;
      iat?: number;
      jti?: string;
      /** DPoP, with the key's thumbprint in `cnf`, for a key-bound access token (RFC 9449 §6.2). */
      token_type: 'Bearer' | 'DPoP';
      cnf?: { jkt: string };
      token_kind: TokenKind;
      workspaces: string[];
      tools: string[];
    };

const INACTIVE = { active: false } as const;
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export async function handleIntrospectionRequest(
  ctx: OAuthContext,
  request: { authorization: string | null; form: FormParams; ip?: string | null; userAgent?: string | null },
): Promise<IntrospectionResponse> {
  const body = singleValued(request.form);
  const client = await authenticateClient(ctx, { authorization: request.authorization, body, ip: request.ip, userAgent: request.userAgent });
  if (!client.canIntrospect) throw new OAuthError('unauthorized_client', 'this client may not introspect tokens', { status: 403 });
  if (!body.token) throw invalidRequest('token is required');
  return introspectToken(ctx, body.token);
}

export async function introspectToken(ctx: OAuthContext, token: string): Promise<IntrospectionResponse> {
  if (token.startsWith(PERSONAL_TOKEN_PREFIX)) return introspectPersonalToken(ctx, token);
  if (token.startsWith(TEAM_TOKEN_PREFIX)) return introspectTeamToken(ctx, token);
  // A refresh token is never a bearer credential at a resource server (RFC 6749 §1.5).
  if (token.startsWith(REFRESH_TOKEN_PREFIX)) return INACTIVE;
  return introspectAccessToken(ctx, token);
}

async function introspectAccessToken(ctx: OAuthContext, token: string): Promise<IntrospectionResponse> {
  const claims = await verifyOwnAccessToken(ctx, token);
  if (!claims) return INACTIVE;
  const record = await ctx.store.findAccessToken(claims.jti);
  if (!record || record.revokedAt) return INACTIVE;
  // A disabled client's tokens stop at once (and work again if it is enabled):
  // the token endpoint already refuses it, and a resource server asking here
  // must not keep honouring what it was issued.
  const client = await ctx.store.findClient(claims.client_id);
  if (!client || client.disabled) return INACTIVE;
  let reach = { workspaces: claims.workspaces ?? [], tools: claims.tools ?? [] };
  if (record.grantId) {
    const grant = await ctx.store.findGrant(record.grantId);
    const userWorkspaces = grant && !grant.revokedAt ? await ctx.store.activeUserWorkspaces(grant.userId) : null;
    if (!grant || !userWorkspaces) return INACTIVE;
    reach = await resolveGrantReach(ctx.store, grant, userWorkspaces, record.scope);
  }
  return {
    active: true,
    iss: ctx.issuer,
    sub: claims.sub,
    client_id: claims.client_id,
    scope: formatScope(record.scope),
    aud: record.audience,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
    ...(record.jkt ? { token_type: 'DPoP' as const, cnf: { jkt: record.jkt } } : { token_type: 'Bearer' as const }),
    token_kind: 'access_token',
    ...reach,
  };
}

async function introspectPersonalToken(ctx: OAuthContext, token: string): Promise<IntrospectionResponse> {
  const record = await ctx.store.findPersonalToken(hashToken(token));
  const now = ctx.now();
  if (!record || record.revokedAt || (record.expiresAt && record.expiresAt <= now)) return INACTIVE;
  const userWorkspaces = await ctx.store.activeUserWorkspaces(record.userId);
  if (!userWorkspaces) return INACTIVE;
  await ctx.store.touchPersonalToken(record.id, now);
  return {
    active: true,
    iss: ctx.issuer,
    sub: record.userId,
    scope: '',
    aud: ctx.issuer,
    ...(record.expiresAt ? { exp: seconds(record.expiresAt) } : {}),
    token_type: 'Bearer',
    token_kind: 'personal_token',
    workspaces: intersect(record.workspaceKeys, userWorkspaces),
    tools: record.tools,
  };
}

async function introspectTeamToken(ctx: OAuthContext, token: string): Promise<IntrospectionResponse> {
  const team = await ctx.store.findTeamByTokenHash(hashToken(token));
  // The team acts on its owner's authority: a disabled owner stops it (docs/users-and-teams.md).
  if (!team || !team.active || team.ownerDisabled) return INACTIVE;
  const workspaces = await ctx.store.listTeamWorkspaces(team.teamId);
  await ctx.store.touchTeamToken(team.teamId, team.activeJti, ctx.now());
  return {
    active: true,
    iss: ctx.issuer,
    sub: `team:${team.teamId}`,
    scope: '',
    aud: ctx.issuer,
    jti: team.activeJti,
    token_type: 'Bearer',
    token_kind: 'team_token',
    workspaces,
    tools: team.tools ?? ['*'],
  };
}
