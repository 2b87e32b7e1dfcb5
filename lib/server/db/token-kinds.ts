// The kinds of credential the admin token list shows side by side, and what
// "active", "expired", "revoked", "rotated" and "reused" mean for each.
// Plain values only: the page imports these for its filters and badges.

/** In list order for equal creation times (the last key of the keyset). */
export const TOKEN_TYPES = ['grant', 'refresh', 'access', 'personal', 'team'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const TOKEN_STATUSES = ['active', 'expired', 'revoked', 'rotated', 'reused'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const TOKEN_TYPE_LABELS: Record<TokenType, string> = {
  grant: 'Grant',
  refresh: 'Refresh token',
  access: 'Access token',
  personal: 'Personal token',
  team: 'Team token',
};

export const TOKEN_STATUS_LABELS: Record<TokenStatus, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  rotated: 'Rotated',
  reused: 'Reuse — family revoked',
};

/** The statuses a kind can be in; a filter on any other status skips the kind. */
export const STATUSES_OF: Record<TokenType, readonly TokenStatus[]> = {
  grant: ['active', 'revoked'],
  refresh: ['active', 'expired', 'revoked', 'rotated', 'reused'],
  access: ['active', 'expired', 'revoked'],
  personal: ['active', 'expired', 'revoked'],
  team: ['active', 'revoked'],
};

/** The kinds that belong to a user, a client or a team (what filters and bulk revocation reach). */
export const TYPES_OF_OWNER: Record<'user' | 'client' | 'team', readonly TokenType[]> = {
  user: ['grant', 'refresh', 'access', 'personal'],
  client: ['grant', 'refresh', 'access'],
  team: ['access', 'team'],
};
