// Personal tokens: stored as a hash with a short prefix for lists.
import { randomUUID } from 'node:crypto';
import { auditEventData, type AuditInput } from './audit.ts';
import type { Db } from './client.ts';
import { parseList } from './columns.ts';

export type PersonalTokenView = {
  id: string;
  name: string;
  prefix: string;
  workspaceKeys: string[];
  tools: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
};

export async function insertPersonalToken(
  db: Db,
  token: { userId: string; name: string; prefix: string; tokenHash: string; workspaceKeys: string[]; tools: string[]; expiresAt: Date | null },
  audit: AuditInput,
): Promise<string> {
  const id = randomUUID();
  await db.prisma.$transaction([
    db.prisma.personalToken.create({
      data: { ...token, id, workspaceKeys: JSON.stringify(token.workspaceKeys), tools: JSON.stringify(token.tools) },
    }),
    db.prisma.auditEvent.create({ data: auditEventData({ ...audit, target: { type: 'personal_token', id } }) }),
  ]);
  return id;
}

export async function listLivePersonalTokensOfUser(db: Db, userId: string, now = new Date()): Promise<PersonalTokenView[]> {
  const rows = await db.prisma.personalToken.findMany({
    where: { userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 200,
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    workspaceKeys: parseList(r.workspaceKeys, 'PersonalToken.workspaceKeys'),
    tools: parseList(r.tools, 'PersonalToken.tools'),
    expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt,
    createdAt: r.createdAt,
  }));
}

/** Revokes the token if it is the user's; returns whether it did. */
export async function revokePersonalTokenOfUser(db: Db, userId: string, tokenId: string, at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.personalToken.updateMany({ where: { id: tokenId, userId, revokedAt: null }, data: { revokedAt: at } });
    if (count === 1) {
      await tx.auditEvent.create({
        data: auditEventData({ actor: { type: 'user', id: userId }, action: 'personal_token.revoked', target: { type: 'personal_token', id: tokenId } }, at),
      });
    }
    return count === 1;
  });
}
