// What a verified token says, the same shape for every kind of Gatehouse token.

/** Bearer credentials a resource accepts. Refresh tokens are never accepted. */
export type TokenKind = 'access_token' | 'personal_token' | 'team_token';

export type AuthInfo = {
  /** The bearer token as presented. */
  readonly token: string;
  /** How it was checked: offline against the JWKS, or by asking Gatehouse. */
  readonly verifiedBy: 'jwt' | 'introspection';
  readonly kind: TokenKind;
  readonly issuer: string;
  /** The user id; `team:<id>` for a team token. */
  readonly sub: string;
  /** The OAuth client the token was issued to; null for personal and team tokens. */
  readonly clientId: string | null;
  readonly scopes: readonly string[];
  /** The token's audience(s): this resource for OAuth access tokens, Gatehouse's issuer for personal and team tokens. */
  readonly audience: readonly string[];
  /** Expiry in seconds since the epoch; null when the token has none (team tokens, some personal tokens). */
  readonly expiresAt: number | null;
  /** Workspace keys the token may reach. */
  readonly workspaces: readonly string[];
  /** Tool names the token may call; `*` means every tool. */
  readonly tools: readonly string[];
  readonly jti: string | null;
};

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A Fetch `Request`, or anything with headers like Node's `IncomingMessage`. */
export type RequestLike =
  | { headers: Headers }
  | { headers: Record<string, string | string[] | undefined> };
