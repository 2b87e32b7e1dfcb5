// An in-memory OAuthStore for unit tests of the protocol core: Maps instead of
// tables, same semantics as the Prisma store (lib/server/db/oauth-store.ts)
// where the interface leaves room — unique client ids, grants upserted per
// (user, client, resource), conditional consumes, cascading client deletes.
// Everything returned is a copy, so a test cannot mutate "rows" by accident.
// Seed the catalogue and reach fields directly (they are public).
import { randomUUID } from 'node:crypto';
import type {
  AccessTokenRecord,
  AuthorizationCode,
  Grant,
  IssuedTokens,
  NewAccessToken,
  NewClientRecord,
  NewRefreshToken,
  OAuthClient,
  OAuthStore,
  PersonalTokenRecord,
  RefreshToken,
  ResourceServerRecord,
  ScopeDefinition,
  SecurityEvent,
  TeamTokenRecord,
} from '../ports.ts';

type StoredCode = AuthorizationCode & { codeHash: string };
type StoredRefresh = RefreshToken & { tokenHash: string };

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryOAuthStore implements OAuthStore {
  /** Rows by internal id. */
  readonly clients = new Map<string, OAuthClient>();
  readonly clientLastUsed = new Map<string, Date>();
  readonly grants = new Map<string, Grant>();
  readonly grantLastUsed = new Map<string, Date>();
  /** By code hash. */
  readonly codes = new Map<string, StoredCode>();
  /** By token hash. */
  readonly refreshTokens = new Map<string, StoredRefresh>();
  /** By jti. */
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly events: SecurityEvent[] = [];
  /** Metadata-document client_ids an administrator blocked. */
  readonly blockedDocuments = new Set<string>();

  // Seeds for the catalogue and for reach.
  scopes: ScopeDefinition[] = [];
  resourceServers: ResourceServerRecord[] = [];
  /** userId → workspace keys of the user's active teams. */
  readonly userWorkspaces = new Map<string, string[]>();
  /** teamId → workspace keys assigned to the (active) team. */
  readonly teamWorkspaces = new Map<string, string[]>();
  /** Ids of the users that exist and are not disabled; anyone else is inactive. */
  readonly activeUsers = new Set<string>();
  /** By token hash. */
  readonly personalTokens = new Map<string, PersonalTokenRecord>();
  readonly personalTokenLastUsed = new Map<string, Date>();
  /** By token hash; whether the owner is disabled comes from activeUsers. */
  readonly teamTokens = new Map<string, Omit<TeamTokenRecord, 'ownerDisabled'>>();
  /** teamId → when its current token was last used. */
  readonly teamTokenLastUsed = new Map<string, Date>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  // -- clients ---------------------------------------------------------------

  async findClient(clientId: string): Promise<OAuthClient | null> {
    for (const c of this.clients.values()) if (c.clientId === clientId) return copy(c);
    return null;
  }


  async insertClient(client: NewClientRecord): Promise<OAuthClient> {
    if (this.clients.has(client.id)) throw new Error(`unique constraint: Client.id ${client.id}`);
    for (const c of this.clients.values()) {
      if (c.clientId === client.clientId) throw new Error(`unique constraint: Client.clientId ${client.clientId}`);
    }
    const row: OAuthClient = { jwks: null, jwksUri: null, ...copy(client), disabled: false, approvedAt: null, createdAt: this.clock() };
    this.clients.set(row.id, row);
    return copy(row);
  }

  async updateClient(id: string, changes: Partial<Omit<OAuthClient, 'id' | 'clientId' | 'createdAt'>>): Promise<OAuthClient> {
    const row = this.clients.get(id);
    if (!row) throw new Error(`record not found: Client ${id}`);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next = { ...row, ...copy(defined) } as OAuthClient;
    this.clients.set(id, next);
    return copy(next);
  }

  async deleteClient(id: string): Promise<void> {
    if (!this.clients.delete(id)) return;
    this.clientLastUsed.delete(id);
    // onDelete: Cascade — grants (and through them codes and refresh tokens) and access tokens.
    for (const g of [...this.grants.values()]) if (g.clientId === id) this.deleteGrant(g.id);
    for (const [jti, t] of this.accessTokens) if (t.clientId === id) this.accessTokens.delete(jti);
  }

  async touchClient(id: string, at: Date): Promise<void> {
    if (this.clients.has(id)) this.clientLastUsed.set(id, at);
  }

  async isClientDocumentBlocked(clientId: string): Promise<boolean> {
    return this.blockedDocuments.has(clientId);
  }

  // -- catalogue -------------------------------------------------------------

  async listScopes(): Promise<ScopeDefinition[]> {
    return copy([...this.scopes].sort((a, b) => a.name.localeCompare(b.name)));
  }

  async listResourceServers(): Promise<ResourceServerRecord[]> {
    return copy([...this.resourceServers].sort((a, b) => a.url.localeCompare(b.url)));
  }

  // -- grants ----------------------------------------------------------------

  async findActiveGrant(userId: string, clientId: string, resource: string | null): Promise<Grant | null> {
    const found = this.activeGrant(userId, clientId, resource);
    return found ? copy(found) : null;
  }

  async saveGrant(
    grant: { userId: string; clientId: string; scope: string[]; resource: string | null; workspaceKeys: string[] },
    at: Date,
  ): Promise<Grant> {
    const existing = this.activeGrant(grant.userId, grant.clientId, grant.resource);
    if (existing) {
      existing.scope = [...grant.scope];
      existing.workspaceKeys = [...grant.workspaceKeys];
      return copy(existing);
    }
    const row: Grant = { id: randomUUID(), ...copy(grant), createdAt: at, revokedAt: null };
    this.grants.set(row.id, row);
    return copy(row);
  }

  async findGrant(id: string): Promise<Grant | null> {
    const g = this.grants.get(id);
    return g ? copy(g) : null;
  }

  async touchGrant(id: string, at: Date): Promise<void> {
    if (this.grants.has(id)) this.grantLastUsed.set(id, at);
  }

  // -- authorization codes ---------------------------------------------------

  async insertAuthorizationCode(code: Omit<AuthorizationCode, 'redeemedAt'> & { codeHash: string }): Promise<void> {
    if (this.codes.has(code.codeHash)) throw new Error('unique constraint: AuthorizationCode.codeHash');
    this.codes.set(code.codeHash, { ...copy(code), redeemedAt: null });
  }


  async findAuthorizationCode(codeHash: string): Promise<AuthorizationCode | null> {
    const row = this.codes.get(codeHash);
    return row ? this.publicCode(row) : null;
  }

  async redeemAuthorizationCode(codeId: string, at: Date, issued: IssuedTokens): Promise<'redeemed' | 'already_redeemed'> {
    const row = [...this.codes.values()].find((c) => c.id === codeId);
    if (!row || row.redeemedAt) return 'already_redeemed';
    row.redeemedAt = at;
    this.storeIssued(issued);
    return 'redeemed';
  }

  // -- refresh tokens --------------------------------------------------------

  async rotateRefreshToken(tokenId: string, at: Date, retryCipher: string | null, issued: IssuedTokens): Promise<'rotated' | 'already_rotated'> {
    const row = [...this.refreshTokens.values()].find((t) => t.id === tokenId);
    if (!row || row.rotatedAt || row.revokedAt) return 'already_rotated';
    row.rotatedAt = at;
    row.retryCipher = retryCipher;
    this.storeIssued(issued);
    return 'rotated';
  }

  async insertRefreshToken(token: NewRefreshToken): Promise<void> {
    if (this.refreshTokens.has(token.tokenHash)) throw new Error('unique constraint: RefreshToken.tokenHash');
    this.refreshTokens.set(token.tokenHash, { ...copy(token), rotatedAt: null, revokedAt: null, retryCipher: null });
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | null> {
    const row = this.refreshTokens.get(tokenHash);
    return row ? this.publicRefresh(row) : null;
  }



  async clearRefreshRetries(rotatedBy: Date): Promise<number> {
    let cleared = 0;
    for (const t of this.refreshTokens.values()) {
      if (t.retryCipher === null || !t.rotatedAt || t.rotatedAt > rotatedBy) continue;
      t.retryCipher = null;
      cleared++;
    }
    return cleared;
  }

  async revokeFamily(familyId: string, _reason: string, at: Date, event?: SecurityEvent): Promise<void> {
    for (const t of this.refreshTokens.values()) {
      if (t.familyId !== familyId) continue;
      if (!t.revokedAt) t.revokedAt = at;
      t.retryCipher = null;
    }
    for (const t of this.accessTokens.values()) if (t.familyId === familyId && !t.revokedAt) t.revokedAt = at;
    if (event) this.events.push(copy(event));
  }

  // -- access tokens ---------------------------------------------------------

  async insertAccessToken(token: NewAccessToken): Promise<void> {
    if (this.accessTokens.has(token.jti)) throw new Error('unique constraint: AccessToken.jti');
    this.accessTokens.set(token.jti, { ...copy(token), revokedAt: null });
  }

  async findAccessToken(jti: string): Promise<AccessTokenRecord | null> {
    const row = this.accessTokens.get(jti);
    return row ? copy(row) : null;
  }

  async revokeAccessToken(jti: string, at: Date, event?: SecurityEvent): Promise<void> {
    const row = this.accessTokens.get(jti);
    if (row && !row.revokedAt) row.revokedAt = at;
    if (event) this.events.push(copy(event));
  }

  // -- reach -----------------------------------------------------------------

  async listUserWorkspaces(userId: string): Promise<string[]> {
    return [...(this.userWorkspaces.get(userId) ?? [])].sort();
  }

  async listTeamWorkspaces(teamId: string): Promise<string[]> {
    return [...(this.teamWorkspaces.get(teamId) ?? [])].sort();
  }

  async activeUserWorkspaces(userId: string): Promise<string[] | null> {
    return this.activeUsers.has(userId) ? this.listUserWorkspaces(userId) : null;
  }

  // -- personal and team tokens ----------------------------------------------

  async findPersonalToken(tokenHash: string): Promise<PersonalTokenRecord | null> {
    const row = this.personalTokens.get(tokenHash);
    return row ? copy(row) : null;
  }

  async touchPersonalToken(id: string, at: Date): Promise<void> {
    this.personalTokenLastUsed.set(id, at);
  }

  async findTeamByTokenHash(tokenHash: string): Promise<TeamTokenRecord | null> {
    const row = this.teamTokens.get(tokenHash);
    return row ? { ...copy(row), ownerDisabled: !this.activeUsers.has(row.ownerId) } : null;
  }

  async touchTeamToken(teamId: string, jti: string, at: Date): Promise<void> {
    const current = [...this.teamTokens.values()].some((t) => t.teamId === teamId && t.activeJti === jti);
    if (current) this.teamTokenLastUsed.set(teamId, at);
  }

  // -- audit -----------------------------------------------------------------

  async recordSecurityEvent(event: SecurityEvent): Promise<void> {
    this.events.push(copy(event));
  }

  // -- helpers ---------------------------------------------------------------

  private activeGrant(userId: string, clientId: string, resource: string | null): Grant | undefined {
    return [...this.grants.values()]
      .filter((g) => g.userId === userId && g.clientId === clientId && g.resource === resource && !g.revokedAt)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  }

  private deleteGrant(id: string): void {
    this.grants.delete(id);
    this.grantLastUsed.delete(id);
    for (const [hash, c] of this.codes) if (c.grantId === id) this.codes.delete(hash);
    for (const [hash, t] of this.refreshTokens) if (t.grantId === id) this.refreshTokens.delete(hash);
    for (const [jti, t] of this.accessTokens) if (t.grantId === id) this.accessTokens.delete(jti);
  }

  private storeIssued(issued: IssuedTokens): void {
    this.accessTokens.set(issued.accessToken.jti, { ...copy(issued.accessToken), revokedAt: null });
    const r = issued.refreshToken;
    if (r) this.refreshTokens.set(r.tokenHash, { ...copy(r), rotatedAt: null, revokedAt: null, retryCipher: null });
  }

  private publicCode(row: StoredCode): AuthorizationCode {
    const { codeHash: _hash, ...code } = copy(row);
    return code;
  }

  private publicRefresh(row: StoredRefresh): RefreshToken {
    const { tokenHash: _hash, ...token } = copy(row);
    return token;
  }
}

export function createMemoryStore(clock?: () => Date): MemoryOAuthStore {
  return new MemoryOAuthStore(clock);
}
