// Grants as the account page and the admin console show them, and revoking
// them: a grant and every token issued under it, in one transaction (SPEC §3).
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';
import { parseList, splitScope } from './columns.ts';
import type { Prisma as PrismaNs } from './generated/sqlite/client.ts';

type Tx = PrismaNs.TransactionClient;

export type UserGrantView = {
  id: string;
  clientName: string;
  clientId: string;
  clientSource: string;
  scope: string[];
  resource: string | null;
  workspaceKeys: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
};

export async function listActiveGrantsOfUser(db: Db, userId: string): Promise<UserGrantView[]> {
  const rows = await db.prisma.grant.findMany({
    where: { userId, revokedAt: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    include: { client: { select: { name: true, clientId: true, source: true } } },
    take: 200,
  });
  return rows.map((r) => ({
    id: r.id,
    clientName: r.client.name,
    clientId: r.client.clientId,
    clientSource: r.client.source,
    scope: splitScope(r.scope),
    resource: r.resource,
    workspaceKeys: parseList(r.workspaceKeys, 'Grant.workspaceKeys'),
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
  }));
}

/**
 * Revokes the active grants matching `where` and, first, the refresh and access
 * tokens issued under them; returns how many grants it revoked. One function
 * for every way of revoking grants, so none forgets a kind of token.
 */
async function revokeGrantsWhere(tx: Tx, where: PrismaNs.GrantWhereInput, at: Date): Promise<number> {
  const active = { AND: [where, { revokedAt: null }] };
  await tx.refreshToken.updateMany({ where: { grant: active, revokedAt: null }, data: { revokedAt: at, revokedReason: 'grant_revoked' } });
  await tx.accessToken.updateMany({ where: { grant: active, revokedAt: null }, data: { revokedAt: at } });
  const { count } = await tx.grant.updateMany({ where: active, data: { revokedAt: at } });
  return count;
}

/** Revokes the grant if it belongs to the user; returns whether it did. */
export async function revokeGrantOfUser(db: Db, userId: string, grantId: string, at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const count = await revokeGrantsWhere(tx, { id: grantId, userId }, at);
    if (count === 0) return false;
    await tx.auditEvent.create({
      data: auditEventData({ actor: { type: 'user', id: userId }, action: 'grant.revoked', target: { type: 'grant', id: grantId }, details: { by: 'owner' } }, at),
    });
    return true;
  });
}

export type ClientGrantView = {
  id: string;
  userEmail: string;
  scope: string[];
  resource: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
};

/** A client's active grants, newest first (the first `limit`), and how many there are. */
export async function listActiveGrantsOfClient(db: Db, clientRowId: string, limit = 50): Promise<{ grants: ClientGrantView[]; total: number }> {
  const where = { clientId: clientRowId, revokedAt: null };
  const [rows, total] = await Promise.all([
    db.prisma.grant.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit, include: { user: { select: { email: true } } } }),
    db.prisma.grant.count({ where }),
  ]);
  return {
    grants: rows.map((r) => ({ id: r.id, userEmail: r.user.email, scope: splitScope(r.scope), resource: r.resource, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt })),
    total,
  };
}

/** Revokes every active grant of a client, and their tokens; returns how many grants. */
export async function revokeActiveGrantsOfClient(db: Db, clientRowId: string, actor: AuditActor, at = new Date()): Promise<number> {
  return db.prisma.$transaction(async (tx) => {
    const client = await tx.client.findUnique({ where: { id: clientRowId }, select: { clientId: true } });
    if (!client) return 0;
    const count = await revokeGrantsWhere(tx, { clientId: clientRowId }, at);
    if (count > 0) {
      await tx.auditEvent.create({ data: auditEventData({ actor, action: 'client.grants_revoked', target: { type: 'client', id: client.clientId }, details: { grants: count } }, at) });
    }
    return count;
  });
}
