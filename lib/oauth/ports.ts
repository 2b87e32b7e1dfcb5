// What the protocol core needs from the outside world (storage, keys, clock),
// as interfaces the persistence module implements. Redemption of a code and
// rotation of a refresh token are atomic consume operations: whatever the number
// of concurrent requests or instances, exactly one caller wins.

export type ClientSource = 'admin' | 'dynamic' | 'metadata_document';
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** A JWK Set (RFC 7517 §5) of a client's public keys. */
export type ClientJwks = { keys: Array<Record<string, unknown>> };

export type OAuthClient = {
  /** Internal row id; grants and tokens reference it. */
  id: string;
  clientId: string;
  name: string;
  secretHash: string | null;
  redirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Space-separated scopes the client may ask for; empty = any known scope. */
  scope: string;
  logoUri: string | null;
  clientUri: string | null;
  applicationType: string;
  metadata: Record<string, unknown>;
  source: ClientSource;
  registrationAccessTokenHash: string | null;
  canIntrospect: boolean;
  disabled: boolean;
  /** When an admin approved this self-registered client; null = never (see lib/oauth/client-trust.ts). */
  approvedAt: Date | null;
  /** private_key_jwt (RFC 7523 §2.2): the client's public keys, pasted by an admin, or where it publishes them. */
  jwks: ClientJwks | null;
  jwksUri: string | null;
  createdAt: Date;
};

/** What inserting a client takes: the store sets createdAt, and a new client is enabled and not approved. */
export type NewClientRecord = Omit<OAuthClient, 'createdAt' | 'disabled' | 'approvedAt' | 'jwks' | 'jwksUri'> & Partial<Pick<OAuthClient, 'jwks' | 'jwksUri'>>;

export type Grant = {
  id: string;
  userId: string;
  clientId: string;
  scope: string[];
  resource: string | null;
  workspaceKeys: string[];
  createdAt: Date;
  revokedAt: Date | null;
};

export type AuthorizationCode = {
  id: string;
  grantId: string;
  redirectUri: string;
  codeChallenge: string;
  /** The DPoP key its exchange must prove (RFC 9449 §10: `dpop_jkt`); null = any or none. */
  dpopJkt: string | null;
  scope: string[];
  resource: string | null;
  expiresAt: Date;
  redeemedAt: Date | null;
};

export type RefreshToken = {
  id: string;
  grantId: string;
  familyId: string;
  parentId: string | null;
  scope: string[];
  resource: string | null;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  /** The successor's token response, sealed, kept for the reuse grace window only (null without one, and once it has passed). */
  retryCipher: string | null;
  /** The DPoP key a public client's refresh token is bound to (RFC 9449 §5); null = unbound. */
  jkt: string | null;
};

export type AccessTokenRecord = {
  jti: string;
  kind: 'oauth' | 'client_credentials';
  grantId: string | null;
  familyId: string | null;
  clientId: string | null;
  userId: string | null;
  kid: string;
  scope: string[];
  audience: string;
  expiresAt: Date;
  revokedAt: Date | null;
  /** The DPoP key the token is bound to (RFC 9449 §6); null for a bearer token. */
  jkt: string | null;
};

export type NewRefreshToken = Omit<RefreshToken, 'rotatedAt' | 'revokedAt' | 'retryCipher'> & { tokenHash: string };
export type NewAccessToken = Omit<AccessTokenRecord, 'revokedAt'>;
export type IssuedTokens = { accessToken: NewAccessToken; refreshToken: NewRefreshToken | null };

export type ScopeDefinition = { name: string; description: string; tools: string[]; isDefault: boolean };
export type ResourceServerRecord = { url: string; name: string; scopes: string[] };

/** What a token reaches, resolved at the moment of the check. */
export type Reach = { workspaces: string[]; tools: string[] };

export type PersonalTokenRecord = {
  id: string;
  name: string;
  userId: string;
  workspaceKeys: string[];
  tools: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
};

export type TeamTokenRecord = {
  teamId: string;
  name: string;
  ownerId: string;
  activeJti: string;
  active: boolean;
  /** A disabled owner stops the team's token until they are enabled or ownership moves. */
  ownerDisabled: boolean;
  /** null: every tool */
  tools: string[] | null;
  tokenIssuedAt: Date | null;
};

export type SecurityEvent = {
  action:
    | 'oauth.code_replayed'
    | 'oauth.refresh_reused'
    | 'oauth.client_auth_failed'
    | 'oauth.redirect_uri_rejected'
    | 'oauth.grant_created'
    | 'oauth.client_registered'
    | 'oauth.client_updated'
    | 'oauth.client_deleted'
    | 'oauth.token_revoked'
    | 'oauth.edge_refused';
  /** The public client identifier (client_id), as admins see it. */
  clientId?: string;
  userId?: string;
  targetType?: string;
  targetId?: string;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
};

export interface OAuthStore {
  findClient(clientId: string): Promise<OAuthClient | null>;
  insertClient(client: NewClientRecord): Promise<OAuthClient>;
  updateClient(id: string, changes: Partial<Omit<OAuthClient, 'id' | 'clientId' | 'createdAt'>>): Promise<OAuthClient>;
  deleteClient(id: string): Promise<void>;
  touchClient(id: string, at: Date): Promise<void>;
  /** Whether an administrator blocked this metadata-document client_id (deleting its client blocks it). */
  isClientDocumentBlocked(clientId: string): Promise<boolean>;

  listScopes(): Promise<ScopeDefinition[]>;
  listResourceServers(): Promise<ResourceServerRecord[]>;

  findActiveGrant(userId: string, clientId: string, resource: string | null): Promise<Grant | null>;
  saveGrant(grant: { userId: string; clientId: string; scope: string[]; resource: string | null; workspaceKeys: string[] }, at: Date): Promise<Grant>;
  findGrant(id: string): Promise<Grant | null>;
  touchGrant(id: string, at: Date): Promise<void>;

  insertAuthorizationCode(code: Omit<AuthorizationCode, 'redeemedAt'> & { codeHash: string }): Promise<void>;

  findAuthorizationCode(codeHash: string): Promise<AuthorizationCode | null>;
  /**
   * In one transaction: marks the code redeemed if nobody did, and only then
   * stores the tokens issued from it. A concurrent replay that revokes the
   * family therefore always sees those tokens.
   */
  redeemAuthorizationCode(codeId: string, at: Date, issued: IssuedTokens): Promise<'redeemed' | 'already_redeemed'>;
  /** Same for a refresh token: rotate it (keeping the sealed response for retries, when there is a grace window) and store its successors. */
  rotateRefreshToken(tokenId: string, at: Date, retryCipher: string | null, issued: IssuedTokens): Promise<'rotated' | 'already_rotated'>;
  /** Drops the retry records of tokens rotated at or before `rotatedBy` (their grace window is over); returns how many. */
  clearRefreshRetries(rotatedBy: Date): Promise<number>;

  insertRefreshToken(token: NewRefreshToken): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshToken | null>;
  /**
   * Revokes every refresh and access token of a family (a code's descendants),
   * drops the family's retry records, and records the event that says why in
   * the same transaction.
   */
  revokeFamily(familyId: string, reason: string, at: Date, event?: SecurityEvent): Promise<void>;

  insertAccessToken(token: NewAccessToken): Promise<void>;
  findAccessToken(jti: string): Promise<AccessTokenRecord | null>;
  /** Revokes one access token; the event, if any, is recorded in the same transaction. */
  revokeAccessToken(jti: string, at: Date, event?: SecurityEvent): Promise<void>;

  /** Keys of the workspaces of every active team the user belongs to, now. */
  listUserWorkspaces(userId: string): Promise<string[]>;
  /** Keys of the workspaces assigned to the team, now. */
  listTeamWorkspaces(teamId: string): Promise<string[]>;
  /** The user's workspace keys as listUserWorkspaces, or null when the user is gone or disabled (one read on the hot paths). */
  activeUserWorkspaces(userId: string): Promise<string[] | null>;

  findPersonalToken(tokenHash: string): Promise<PersonalTokenRecord | null>;
  touchPersonalToken(id: string, at: Date): Promise<void>;
  findTeamByTokenHash(tokenHash: string): Promise<TeamTokenRecord | null>;
  /** Notes when the team's current token was last used; a rotated-away jti is not touched. */
  touchTeamToken(teamId: string, jti: string, at: Date): Promise<void>;

  recordSecurityEvent(event: SecurityEvent): Promise<void>;
}
