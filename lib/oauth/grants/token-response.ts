// The successful token response (RFC 6749 §5.1) and the refresh token that may go with it.
import { randomUUID } from 'node:crypto';
import { hashToken, randomToken } from '../../crypto.ts';
import type { SignedAccessToken } from '../access-token.ts';
import type { OAuthContext } from '../context.ts';
import type { NewRefreshToken } from '../ports.ts';
import { formatScope } from '../scope.ts';

export const REFRESH_TOKEN_PREFIX = 'gh_rt_';

export type TokenResponse = {
  access_token: string;
  /** DPoP for a key-bound access token (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  scope: string;
};

export function newRefreshToken(
  ctx: OAuthContext,
  input: { grantId: string; familyId: string; parentId: string | null; scope: string[]; resource: string | null; jkt: string | null },
): { value: string; record: NewRefreshToken } {
  const value = randomToken(REFRESH_TOKEN_PREFIX);
  return {
    value,
    record: {
      id: randomUUID(),
      tokenHash: hashToken(value),
      ...input,
      expiresAt: new Date(ctx.now().getTime() + ctx.ttl.refreshToken * 1000),
    },
  };
}

export function tokenResponse(access: SignedAccessToken, scope: string[], refreshToken: string | null): TokenResponse {
  return {
    access_token: access.token,
    token_type: access.record.jkt ? 'DPoP' : 'Bearer',
    expires_in: access.expiresIn,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    scope: formatScope(scope),
  };
}
