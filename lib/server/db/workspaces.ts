// Workspaces (SPEC §3): a stable key resource servers use, a name people read,
// and the teams that hold them. Every change is audited in its own transaction.
import { randomUUID } from 'node:crypto';
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';

export type WorkspaceView = { id: string; key: string; name: string; teams: string[]; createdAt: Date };

export async function listWorkspaces(db: Db, search?: string): Promise<WorkspaceView[]> {
  const rows = await db.prisma.workspace.findMany({
    where: search ? { OR: [{ key: { contains: search } }, { name: { contains: search } }] } : {},
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: 200,
    include: { teams: { include: { team: { select: { name: true } } } } },
  });
  return rows.map((r) => ({ id: r.id, key: r.key, name: r.name, teams: r.teams.map((t) => t.team.name).sort(), createdAt: r.createdAt }));
}

/** Creates a workspace; null when the key is taken. */
export async function createWorkspace(db: Db, input: { key: string; name: string }, actor: AuditActor): Promise<string | null> {
  if (await db.prisma.workspace.findUnique({ where: { key: input.key } })) return null;
  const id = randomUUID();
  try {
    await db.prisma.$transaction([
      db.prisma.workspace.create({ data: { id, key: input.key, name: input.name } }),
      db.prisma.auditEvent.create({ data: auditEventData({ actor, action: 'workspace.created', target: { type: 'workspace', id }, details: input }) }),
    ]);
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return null; // created meanwhile
    throw error;
  }
  return id;
}

export async function renameWorkspace(db: Db, id: string, name: string, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.workspace.updateMany({ where: { id }, data: { name } });
    if (count === 1) await tx.auditEvent.create({ data: auditEventData({ actor, action: 'workspace.renamed', target: { type: 'workspace', id }, details: { name } }) });
    return count === 1;
  });
}
