// The OAuthStore (lib/oauth/ports.ts) on Prisma: rows in, domain objects out.
// Lists are JSON text in the row and arrays here; scopes are space-separated
// strings in the row and arrays here.
//
// Consuming a code or a refresh token is one conditional UPDATE (`... WHERE
// hash = ? AND redeemedAt IS NULL`), never a read followed by a write: the
// database decides the single winner, whatever the number of concurrent
// requests, processes or instances. On PostgreSQL a second UPDATE on the same
// row waits for the first to commit and then re-checks the condition (READ
// COMMITTED), so it matches nothing; on SQLite writers are serialised.
// redeemAuthorizationCode / rotateRefreshToken put that same UPDATE first in a
// transaction and store the issued tokens only when it matched.
//
// SQLite caveat: use one connection per process (getDb). better-sqlite3 waits
// for a lock synchronously, so two connections to one file *in the same
// process* can stall each other's interactive transactions until busy_timeout.
// Separate processes, and single-statement consumes, are unaffected.
import { randomUUID } from 'node:crypto';
import type {
  AccessTokenRecord,
  AuthorizationCode,
  ClientSource,
  Grant,
  IssuedTokens,
  NewAccessToken,
  NewRefreshToken,
  OAuthClient,
  OAuthStore,
  PersonalTokenRecord,
  RefreshToken,
  ResourceServerRecord,
  ScopeDefinition,
  SecurityEvent,
  TeamTokenRecord,
  TokenEndpointAuthMethod,
} from '../../oauth/ports.ts';
import { insertClient, toClient } from './clients.ts';
import { joinScope, parseList, splitScope } from './columns.ts';
import type { Db } from './client.ts';
import { accessColumns, clientColumns, refreshColumns, securityEventAuditData, toAccess, toCode, toGrant, toPersonalToken, toRefresh, toTeamToken } from './oauth-rows.ts';
import { lastUsedCutoff, sqliteHotPaths } from './sqlite-hot-paths.ts';
import type { Prisma as PrismaNs } from './generated/sqlite/client.ts';

type Tx = PrismaNs.TransactionClient;

async function insertIssued(tx: Tx, issued: IssuedTokens): Promise<void> {
  await tx.accessToken.create({ data: accessColumns(issued.accessToken) });
  if (issued.refreshToken) await tx.refreshToken.create({ data: refreshColumns(issued.refreshToken) });
}

/**
 * Interactive transactions hold a connection (PostgreSQL) or the SQLite write
 * lock while they wait for their turn; under a burst of concurrent redemptions
 * Prisma's defaults (2 s to start, 5 s to finish) are too tight.
 */
const TX_OPTIONS = { maxWait: 10_000, timeout: 10_000 };

/** "Last used" is kept to the minute (as on the SQLite hot paths). */
function usedBefore(at: Date, column: 'lastUsedAt' | 'tokenLastUsedAt' = 'lastUsedAt') {
  return { OR: [{ [column]: null }, { [column]: { lt: lastUsedCutoff(at) } }] };
}

// ---------------------------------------------------------------------------

/** The Prisma store, with its hot paths as prepared statements on SQLite. */
export function createOAuthStore(db: Db): OAuthStore {
  return { ...createPrismaOAuthStore(db), ...sqliteHotPaths(db) };
}

function createPrismaOAuthStore(db: Db): OAuthStore {
  const { prisma } = db;

  return {
    // -- clients -------------------------------------------------------------

    async findClient(clientId) {
      const row = await prisma.client.findUnique({ where: { clientId } });
      return row && toClient(row);
    },


    insertClient: (client) => insertClient(db, client),

    async updateClient(id, changes) {
      const row = await prisma.client.update({ where: { id }, data: clientColumns(changes) });
      return toClient(row);
    },

    async deleteClient(id) {
      // Grants, codes, refresh and access tokens go with it (onDelete: Cascade).
      await prisma.client.deleteMany({ where: { id } });
    },

    async touchClient(id, at) {
      await prisma.client.updateMany({ where: { id, ...usedBefore(at) }, data: { lastUsedAt: at } });
    },

    async isClientDocumentBlocked(clientId) {
      return (await prisma.blockedClientDocument.count({ where: { url: clientId } })) > 0;
    },

    // -- catalogue -----------------------------------------------------------

    async listScopes(): Promise<ScopeDefinition[]> {
      const rows = await prisma.scope.findMany({ orderBy: { name: 'asc' } });
      return rows.map((r) => ({
        name: r.name,
        description: r.description,
        tools: parseList(r.tools, 'Scope.tools'),
        isDefault: r.isDefault,
      }));
    },

    async listResourceServers(): Promise<ResourceServerRecord[]> {
      const rows = await prisma.resourceServer.findMany({ orderBy: { url: 'asc' } });
      return rows.map((r) => ({ url: r.url, name: r.name, scopes: splitScope(r.scopes) }));
    },

    // -- grants --------------------------------------------------------------

    async findActiveGrant(userId, clientId, resource) {
      // `resource: null` is IS NULL in Prisma: a grant without a resource only
      // matches a request without one.
      const row = await prisma.grant.findFirst({
        where: { userId, clientId, resource, revokedAt: null },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return row && toGrant(row);
    },

    async saveGrant(grant, at) {
      const scope = joinScope(grant.scope);
      const workspaceKeys = JSON.stringify(grant.workspaceKeys);
      // Find-or-create as one serialised step, so that two first consents at
      // once (two tabs, two instances) leave one active grant: SQLite
      // transactions here take the write lock up front (client.ts); on
      // PostgreSQL a transaction-scoped advisory lock on the grant's key
      // orders them across connections and instances.
      const row = await prisma.$transaction(async (tx) => {
        if (db.provider === 'postgresql') {
          await tx.$queryRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(${`grant|${grant.userId}|${grant.clientId}|${grant.resource ?? ''}`}, 0))`;
        }
        const existing = await tx.grant.findFirst({
          where: { userId: grant.userId, clientId: grant.clientId, resource: grant.resource, revokedAt: null },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          select: { id: true },
        });
        if (existing) return tx.grant.update({ where: { id: existing.id }, data: { scope, workspaceKeys } });
        return tx.grant.create({
          data: { id: randomUUID(), userId: grant.userId, clientId: grant.clientId, scope, resource: grant.resource, workspaceKeys, createdAt: at },
        });
      }, TX_OPTIONS);
      return toGrant(row);
    },

    async findGrant(id) {
      const row = await prisma.grant.findUnique({ where: { id } });
      return row && toGrant(row);
    },

    async touchGrant(id, at) {
      await prisma.grant.updateMany({ where: { id, ...usedBefore(at) }, data: { lastUsedAt: at } });
    },

    // -- authorization codes -------------------------------------------------

    async insertAuthorizationCode(code) {
      await prisma.authorizationCode.create({
        data: {
          id: code.id,
          codeHash: code.codeHash,
          grantId: code.grantId,
          redirectUri: code.redirectUri,
          codeChallenge: code.codeChallenge,
          dpopJkt: code.dpopJkt,
          scope: joinScope(code.scope),
          resource: code.resource,
          expiresAt: code.expiresAt,
        },
      });
    },


    async findAuthorizationCode(codeHash) {
      const row = await prisma.authorizationCode.findUnique({ where: { codeHash } });
      return row && toCode(row);
    },

    async redeemAuthorizationCode(codeId, at, issued) {
      // The conditional UPDATE comes first: it takes the row lock (PostgreSQL) or
      // the write lock (SQLite) before anything is read, so a concurrent
      // redemption waits for this transaction and then matches nothing. A
      // replay that then revokes the family sees the tokens stored here.
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.authorizationCode.updateMany({
          where: { id: codeId, redeemedAt: null },
          data: { redeemedAt: at },
        });
        if (count !== 1) return 'already_redeemed' as const;
        await insertIssued(tx, issued);
        return 'redeemed' as const;
      }, TX_OPTIONS);
    },

    // -- refresh tokens ------------------------------------------------------

    async insertRefreshToken(token) {
      await prisma.refreshToken.create({ data: refreshColumns(token) });
    },

    async findRefreshToken(tokenHash) {
      const row = await prisma.refreshToken.findUnique({ where: { tokenHash } });
      return row && toRefresh(row);
    },


    async rotateRefreshToken(tokenId, at, retryCipher, issued) {
      // As redeemAuthorizationCode. A revoked token is not rotated either: the
      // caller tells "revoked" from "rotated" by reading the token.
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.refreshToken.updateMany({
          where: { id: tokenId, rotatedAt: null, revokedAt: null },
          data: { rotatedAt: at, lastUsedAt: at, retryCipher },
        });
        if (count !== 1) return 'already_rotated' as const;
        await insertIssued(tx, issued);
        return 'rotated' as const;
      }, TX_OPTIONS);
    },


    async clearRefreshRetries(rotatedBy) {
      // The partial index on rotatedAt WHERE retryCipher IS NOT NULL keeps this to the records there are.
      const { count } = await prisma.refreshToken.updateMany({ where: { retryCipher: { not: null }, rotatedAt: { lte: rotatedBy } }, data: { retryCipher: null } });
      return count;
    },

    async revokeFamily(familyId, reason, at, event) {
      // One transaction: no reader sees the refresh tokens revoked but the
      // access tokens of the family still live (or the reverse).
      await prisma.$transaction([
        prisma.refreshToken.updateMany({
          where: { familyId, revokedAt: null },
          data: { revokedAt: at, revokedReason: reason },
        }),
        prisma.refreshToken.updateMany({ where: { familyId, retryCipher: { not: null } }, data: { retryCipher: null } }),
        prisma.accessToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: at } }),
        ...(event ? [prisma.auditEvent.create({ data: securityEventAuditData(event) })] : []),
      ]);
    },

    // -- access tokens -------------------------------------------------------

    async insertAccessToken(token) {
      await prisma.accessToken.create({ data: accessColumns(token) });
    },

    async findAccessToken(jti) {
      const row = await prisma.accessToken.findUnique({ where: { jti } });
      return row && toAccess(row);
    },

    async revokeAccessToken(jti, at, event) {
      // The first revocation's time stands.
      await prisma.$transaction([
        prisma.accessToken.updateMany({ where: { jti, revokedAt: null }, data: { revokedAt: at } }),
        ...(event ? [prisma.auditEvent.create({ data: securityEventAuditData(event) })] : []),
      ]);
    },

    // -- reach -----------------------------------------------------------------

    async listUserWorkspaces(userId) {
      const rows = await prisma.workspace.findMany({
        where: { teams: { some: { team: { active: true, memberships: { some: { userId } } } } } },
        select: { key: true },
        orderBy: { key: 'asc' },
      });
      return rows.map((r) => r.key);
    },

    async listTeamWorkspaces(teamId) {
      const rows = await prisma.workspace.findMany({
        where: { teams: { some: { teamId, team: { active: true } } } },
        select: { key: true },
        orderBy: { key: 'asc' },
      });
      return rows.map((r) => r.key);
    },

    async activeUserWorkspaces(userId) {
      const row = await prisma.user.findUnique({ where: { id: userId }, select: { disabled: true } });
      return row && !row.disabled ? this.listUserWorkspaces(userId) : null;
    },

    // -- personal and team tokens ----------------------------------------------

    async findPersonalToken(tokenHash): Promise<PersonalTokenRecord | null> {
      const row = await prisma.personalToken.findUnique({ where: { tokenHash } });
      return row && toPersonalToken(row);
    },

    async touchPersonalToken(id, at) {
      await prisma.personalToken.updateMany({ where: { id, ...usedBefore(at) }, data: { lastUsedAt: at } });
    },

    async findTeamByTokenHash(tokenHash): Promise<TeamTokenRecord | null> {
      const row = await prisma.team.findUnique({ where: { tokenHash }, include: { owner: { select: { disabled: true } } } });
      return row && toTeamToken(row, row.owner.disabled);
    },

    async touchTeamToken(teamId, jti, at) {
      await prisma.team.updateMany({
        where: { id: teamId, activeJti: jti, ...usedBefore(at, 'tokenLastUsedAt') },
        data: { tokenLastUsedAt: at },
      });
    },

    // -- audit -------------------------------------------------------------------

    async recordSecurityEvent(event) {
      await prisma.auditEvent.create({ data: securityEventAuditData(event) });
    },
  };
}
