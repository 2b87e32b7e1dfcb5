// Workspaces: a stable key resource servers use, a name people read,
// and the teams that hold them. Every change is audited in its own transaction.
import { randomUUID } from 'node:crypto';
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';
import type { Cursor } from './keyset.ts';
import { containsText } from './search.ts';

export type WorkspaceView = { id: string; key: string; name: string; teams: string[]; createdAt: Date };

/** Workspaces in name order, a keyset page at a time; search matches key or name. */
export async function listWorkspacesPage(db: Db, search: string | undefined, page: { after?: Cursor; limit?: number } = {}): Promise<{ rows: WorkspaceView[]; next: Cursor | null }> {
  const limit = page.limit ?? 25;
  const and: object[] = [];
  if (search) and.push({ OR: [{ key: containsText(db, search) }, { name: containsText(db, search) }] });
  // Names repeat; (name, id) is the order and the cursor.
  if (page.after) and.push({ OR: [{ name: { gt: page.after.value } }, { name: page.after.value, id: { gt: page.after.id } }] });
  const rows = await db.prisma.workspace.findMany({
    where: { AND: and },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: limit + 1,
    include: { teams: { include: { team: { select: { name: true } } } } },
  });
  const views = rows.slice(0, limit).map((r) => ({ id: r.id, key: r.key, name: r.name, teams: r.teams.map((t) => t.team.name).sort(), createdAt: r.createdAt }));
  const last = views.at(-1);
  return { rows: views, next: rows.length > limit && last ? { value: last.name, id: last.id } : null };
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
