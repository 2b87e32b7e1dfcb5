// What a verified token says, the same shape for every kind of Gatehouse token.

/** Bearer credentials a resource accepts. Refresh tokens are never accepted. */
export type TokenKind = 'access_token' | 'personal_token' | 'team_token';

export type AuthInfo = {
  /** The access token as presented. */
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
  /**
   * The key the token is bound to (RFC 9449 §6: `cnf.jkt`, the RFC 7638
   * thumbprint), whose DPoP proof came with this request; null for a bearer token.
   */
  readonly confirmation: { readonly jkt: string } | null;
};

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A Fetch `Request`, or anything with headers like Node's `IncomingMessage`.
 * `method` and `url` (or express's `originalUrl`) are what a DPoP proof is
 * checked against; only the URL's path is used, never its host.
 */
export type RequestLike = ({ headers: Headers } | { headers: Record<string, string | string[] | undefined> }) & {
  method?: string;
  url?: string;
  originalUrl?: string;
};
