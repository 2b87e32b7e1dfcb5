// Revoking from the admin console: one token or grant, or everything
// of a user, a client or a team. A bulk revocation is previewed with the very
// conditions it then applies, and runs in one transaction with its audit event,
// so no reader sees it half done. Introspection reads revokedAt (access,
// personal), the grant (access tokens of a grant) and the team's activeJti
// (team tokens), so each takes effect on the next request.
import type { AuditActor } from './audit.ts';
import { auditEventData } from './audit.ts';
import type { Db } from './client.ts';
import type { Prisma as PrismaNs } from './generated/sqlite/client.ts';
import type { TokenType } from './token-kinds.ts';

type Tx = PrismaNs.TransactionClient;

export type BulkScope = { owner: 'user' | 'client' | 'team'; id: string };

export type RevocationCounts = { grants: number; refreshTokens: number; accessTokens: number; personalTokens: number; teamTokens: number };

/** Why an admin revocation ended a refresh token (RefreshToken.revokedReason). */
const ADMIN_REASON = 'admin';
const TX_OPTIONS = { maxWait: 10_000, timeout: 60_000 };

/**
 * The rows a bulk revocation changes: still live ones only (an expired token
 * is already dead, and revoking it again would only inflate the count).
 */
function bulkWhere(scope: BulkScope, now: Date) {
  const live = { revokedAt: null, expiresAt: { gt: now } };
  switch (scope.owner) {
    case 'user':
      return {
        grant: { userId: scope.id, revokedAt: null },
        refresh: { ...live, grant: { userId: scope.id } },
        access: { ...live, userId: scope.id },
        personal: { userId: scope.id, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
        team: null,
      };
    case 'client':
      return {
        grant: { clientId: scope.id, revokedAt: null },
        refresh: { ...live, grant: { clientId: scope.id } },
        access: { ...live, clientId: scope.id },
        personal: null,
        team: null,
      };
    case 'team':
      return {
        grant: null,
        refresh: null,
        access: { ...live, teamId: scope.id },
        personal: null,
        team: { id: scope.id, activeJti: { not: null } },
      };
  }
}

export async function previewBulkRevocation(db: Db, scope: BulkScope, now = new Date()): Promise<RevocationCounts> {
  const where = bulkWhere(scope, now);
  const p = db.prisma;
  const [grants, refreshTokens, accessTokens, personalTokens, teamTokens] = await Promise.all([
    where.grant ? p.grant.count({ where: where.grant }) : 0,
    where.refresh ? p.refreshToken.count({ where: where.refresh }) : 0,
    where.access ? p.accessToken.count({ where: where.access }) : 0,
    where.personal ? p.personalToken.count({ where: where.personal }) : 0,
    where.team ? p.team.count({ where: where.team }) : 0,
  ]);
  return { grants, refreshTokens, accessTokens, personalTokens, teamTokens };
}

export async function revokeAllOf(db: Db, scope: BulkScope, actor: AuditActor, now = new Date()): Promise<RevocationCounts> {
  const where = bulkWhere(scope, now);
  return db.prisma.$transaction(async (tx) => {
    const counts: RevocationCounts = { grants: 0, refreshTokens: 0, accessTokens: 0, personalTokens: 0, teamTokens: 0 };
    if (where.grant) counts.grants = (await tx.grant.updateMany({ where: where.grant, data: { revokedAt: now } })).count;
    if (where.refresh) counts.refreshTokens = (await tx.refreshToken.updateMany({ where: where.refresh, data: { revokedAt: now, revokedReason: ADMIN_REASON } })).count;
    if (where.access) counts.accessTokens = (await tx.accessToken.updateMany({ where: where.access, data: { revokedAt: now } })).count;
    if (where.personal) counts.personalTokens = (await tx.personalToken.updateMany({ where: where.personal, data: { revokedAt: now } })).count;
    if (where.team) counts.teamTokens = (await tx.team.updateMany({ where: where.team, data: { activeJti: null, tokenHash: null } })).count;
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: 'tokens.bulk_revoked', target: { type: scope.owner, id: scope.id }, details: counts }, now),
    });
    return counts;
  }, TX_OPTIONS);
}

/**
 * Revokes one grant or token; false when there is no such live one. A grant
 * takes its tokens with it; a refresh token takes its family (every rotation of
 * it and the access tokens they issued), as RFC 7009 §2.1 does for clients.
 */
export async function revokeOne(db: Db, type: TokenType, id: string, actor: AuditActor, now = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const details = await revokeInTx(tx, type, id, now);
    if (!details) return false;
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: type === 'grant' ? 'grant.revoked' : 'token.revoked', target: { type: TARGET_TYPE[type], id }, details: { by: 'admin', ...details } }, now),
    });
    return true;
  }, TX_OPTIONS);
}

const TARGET_TYPE: Record<TokenType, string> = {
  grant: 'grant',
  refresh: 'refresh_token',
  access: 'access_token',
  personal: 'personal_token',
  team: 'team_token',
};

async function revokeInTx(tx: Tx, type: TokenType, id: string, now: Date): Promise<Record<string, unknown> | null> {
  switch (type) {
    case 'grant': {
      const { count } = await tx.grant.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
      if (!count) return null;
      const refresh = await tx.refreshToken.updateMany({ where: { grantId: id, revokedAt: null }, data: { revokedAt: now, revokedReason: 'grant_revoked' } });
      const access = await tx.accessToken.updateMany({ where: { grantId: id, revokedAt: null }, data: { revokedAt: now } });
      return { refreshTokens: refresh.count, accessTokens: access.count };
    }
    case 'refresh': {
      const token = await tx.refreshToken.findUnique({ where: { id }, select: { familyId: true, revokedAt: true } });
      if (!token || token.revokedAt) return null;
      const refresh = await tx.refreshToken.updateMany({ where: { familyId: token.familyId, revokedAt: null }, data: { revokedAt: now, revokedReason: ADMIN_REASON } });
      const access = await tx.accessToken.updateMany({ where: { familyId: token.familyId, revokedAt: null }, data: { revokedAt: now } });
      return { familyId: token.familyId, refreshTokens: refresh.count, accessTokens: access.count };
    }
    case 'access': {
      const { count } = await tx.accessToken.updateMany({ where: { jti: id, revokedAt: null }, data: { revokedAt: now } });
      return count ? {} : null;
    }
    case 'personal': {
      const { count } = await tx.personalToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
      return count ? {} : null;
    }
    case 'team': {
      // The team keeps its prefix and issue time, so the list still shows the revoked token.
      const { count } = await tx.team.updateMany({ where: { id, activeJti: { not: null } }, data: { activeJti: null, tokenHash: null } });
      return count ? {} : null;
    }
  }
}
