// A user's grants, as the account page shows them, and revoking one: the grant
// and every token issued under it, in one transaction.
import { auditEventData } from './audit.ts';
import type { Db } from './client.ts';
import { parseList, splitScope } from './columns.ts';
import type { Prisma as PrismaNs } from './generated/sqlite/client.ts';

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
  /** Its live tokens are bound to a DPoP key (keyBoundGrantIds). */
  keyBound: boolean;
};

/**
 * Of these grants, those with a live token bound to a DPoP key (RFC 9449): an
 * unused refresh token, or an unexpired access token. Read from the tokens'
 * `jkt`, so it shows what was issued, not what the client claims.
 */
export async function keyBoundGrantIds(db: Db, grantIds: string[], now = new Date()): Promise<Set<string>> {
  if (grantIds.length === 0) return new Set();
  const live = { grantId: { in: grantIds }, jkt: { not: null }, revokedAt: null };
  const [refresh, access] = await Promise.all([
    db.prisma.refreshToken.findMany({ where: { ...live, rotatedAt: null, expiresAt: { gt: now } }, select: { grantId: true }, distinct: ['grantId'] }),
    db.prisma.accessToken.findMany({ where: { ...live, expiresAt: { gt: now } }, select: { grantId: true }, distinct: ['grantId'] }),
  ]);
  return new Set([...refresh, ...access].map((t) => t.grantId!));
}

export async function listActiveGrantsOfUser(db: Db, userId: string): Promise<UserGrantView[]> {
  const rows = await db.prisma.grant.findMany({
    where: { userId, revokedAt: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    include: { client: { select: { name: true, clientId: true, source: true } } },
    take: 200,
  });
  const bound = await keyBoundGrantIds(db, rows.map((r) => r.id));
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
    keyBound: bound.has(r.id),
  }));
}

/**
 * Revokes the active grants matching `where` and, first, the refresh and access
 * tokens issued under them; returns how many grants it revoked. One function
 * for every way of revoking grants (a user's one, all of a client's), so none
 * forgets a kind of token. Runs inside the caller's transaction.
 */
export async function revokeGrantsWhere(tx: PrismaNs.TransactionClient, where: PrismaNs.GrantWhereInput, at: Date): Promise<number> {
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

/**
 * Sets the workspaces a grant shares (the user's choice, intersected
 * with their workspaces at each check). The caller limits `workspaceKeys` to the
 * user's current workspaces. Introspection sees the change at once; JWT access
 * tokens already issued keep their claims until they expire.
 */
export async function setGrantWorkspacesOfUser(db: Db, userId: string, grantId: string, workspaceKeys: string[], at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const grant = await tx.grant.findFirst({ where: { id: grantId, userId, revokedAt: null }, select: { workspaceKeys: true } });
    if (!grant) return false;
    const before = parseList(grant.workspaceKeys, 'Grant.workspaceKeys');
    const { count } = await tx.grant.updateMany({ where: { id: grantId, userId, revokedAt: null }, data: { workspaceKeys: JSON.stringify(workspaceKeys) } });
    if (count === 0) return false;
    await tx.auditEvent.create({
      data: auditEventData({ actor: { type: 'user', id: userId }, action: 'grant.workspaces_changed', target: { type: 'grant', id: grantId }, details: { before, after: workspaceKeys } }, at),
    });
    return true;
  });
}
