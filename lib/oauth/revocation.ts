// POST /oauth/revoke — RFC 7009. The client authenticates; unknown, expired or
// foreign tokens get the same 200 as revoked ones (§2.2), so nothing leaks.
// Revoking a refresh token revokes its family's access tokens too (§2.1).
import { hashToken } from '../crypto.ts';
import { verifyOwnAccessToken } from './access-token.ts';
import { authenticateClient } from './client-auth.ts';
import type { OAuthContext } from './context.ts';
import { invalidRequest } from './errors.ts';
import { singleValued, type FormParams } from './token-endpoint.ts';

export async function handleRevocationRequest(
  ctx: OAuthContext,
  request: { authorization: string | null; form: FormParams; ip?: string | null; userAgent?: string | null },
): Promise<void> {
  const body = singleValued(request.form);
  const client = await authenticateClient(ctx, { authorization: request.authorization, body, ip: request.ip, userAgent: request.userAgent });
  const token = body.token;
  if (!token) throw invalidRequest('token is required');
  const now = ctx.now();

  // The hint only orders the look-ups (§2.1); every kind is tried.
  const refresh = await ctx.store.findRefreshToken(hashToken(token));
  if (refresh) {
    const grant = await ctx.store.findGrant(refresh.grantId);
    if (grant?.clientId === client.id) {
      await ctx.store.revokeFamily(refresh.familyId, 'revoked', now, { action: 'oauth.token_revoked', clientId: client.clientId, targetType: 'refresh_family', targetId: refresh.familyId, ip: request.ip });
    }
    return;
  }
  const claims = await verifyOwnAccessToken(ctx, token, { allowExpired: true });
  if (!claims) return;
  const record = await ctx.store.findAccessToken(claims.jti);
  if (record && record.clientId === client.id && !record.revokedAt) {
    await ctx.store.revokeAccessToken(record.jti, now, { action: 'oauth.token_revoked', clientId: client.clientId, targetType: 'access_token', targetId: record.jti, ip: request.ip });
  }
}
