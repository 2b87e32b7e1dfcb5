// A client's grants, as its admin page shows them, and revoking them all:
// each grant and every token issued under it, in one transaction.
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';
import { splitScope } from './columns.ts';
import { keyBoundGrantIds, revokeGrantsWhere } from './grants.ts';

export type ClientGrantView = {
  id: string;
  userEmail: string;
  scope: string[];
  resource: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  keyBound: boolean;
};

/** A client's active grants, newest first (the first `limit`), and how many there are. */
export async function listActiveGrantsOfClient(db: Db, clientRowId: string, limit = 50): Promise<{ grants: ClientGrantView[]; total: number }> {
  const where = { clientId: clientRowId, revokedAt: null };
  const [rows, total] = await Promise.all([
    db.prisma.grant.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit, include: { user: { select: { email: true } } } }),
    db.prisma.grant.count({ where }),
  ]);
  const bound = await keyBoundGrantIds(db, rows.map((r) => r.id));
  return {
    grants: rows.map((r) => ({ id: r.id, userEmail: r.user.email, scope: splitScope(r.scope), resource: r.resource, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, keyBound: bound.has(r.id) })),
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
