// Resource servers: the MCP servers Gatehouse issues tokens for. Once
// one is registered, a `resource` that is not registered gets invalid_target
// (lib/oauth/resource.ts). URLs are stored in canonical form, and unique in it.
import { randomUUID } from 'node:crypto';
import { canonicalResource } from '../../oauth/resource.ts';
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';
import { joinScope, splitScope } from './columns.ts';

export type ResourceServerView = { id: string; url: string; name: string; scopes: string[]; createdAt: Date; updatedAt: Date };
export type ResourceServerInput = { url: string; name: string; scopes: string[] };

type Row = Awaited<ReturnType<Db['prisma']['resourceServer']['findUniqueOrThrow']>>;

const toView = (r: Row): ResourceServerView => ({ id: r.id, url: r.url, name: r.name, scopes: splitScope(r.scopes), createdAt: r.createdAt, updatedAt: r.updatedAt });

/** Keyset-paged by URL (unique), optionally filtered by URL or name. */
export async function listResourceServersPage(db: Db, params: { q?: string; after?: string; limit?: number }): Promise<{ rows: ResourceServerView[]; next: string | null }> {
  const limit = params.limit ?? 50;
  const and: object[] = [];
  if (params.q) and.push({ OR: [{ url: { contains: params.q } }, { name: { contains: params.q } }] });
  if (params.after) and.push({ url: { gt: params.after } });
  const rows = await db.prisma.resourceServer.findMany({ where: { AND: and }, orderBy: { url: 'asc' }, take: limit + 1 });
  const page = rows.slice(0, limit).map(toView);
  return { rows: page, next: rows.length > limit ? (page.at(-1)?.url ?? null) : null };
}

/** Another server already has this URL. URLs are stored canonical, so "HTTPS://Host/mcp" and "https://host/mcp" are one. */
async function urlTaken(db: Db, canonicalUrl: string, exceptId?: string): Promise<boolean> {
  return (await db.prisma.resourceServer.count({ where: { url: canonicalUrl, ...(exceptId ? { id: { not: exceptId } } : {}) } })) > 0;
}

export async function createResourceServer(db: Db, input: ResourceServerInput, actor: AuditActor): Promise<{ ok: true; id: string } | { ok: false; reason: 'exists' }> {
  const url = canonicalResource(input.url);
  if (await urlTaken(db, url)) return { ok: false, reason: 'exists' };
  const id = randomUUID();
  try {
    await db.prisma.$transaction([
      db.prisma.resourceServer.create({ data: { id, url, name: input.name, scopes: joinScope(input.scopes) } }),
      db.prisma.auditEvent.create({ data: auditEventData({ actor, action: 'resource_server.created', target: { type: 'resource_server', id }, details: { url, name: input.name, scopes: input.scopes } }) }),
    ]);
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return { ok: false, reason: 'exists' };
    throw error;
  }
  return { ok: true, id };
}

/**
 * Changing the URL does not touch grants already bound to the old one: their
 * tokens keep the old audience until the grant is used again and refused.
 */
export async function updateResourceServer(db: Db, id: string, input: ResourceServerInput, actor: AuditActor): Promise<'updated' | 'not_found' | 'exists'> {
  const url = canonicalResource(input.url);
  if (await urlTaken(db, url, id)) return 'exists';
  try {
    return await db.prisma.$transaction(async (tx) => {
      const { count } = await tx.resourceServer.updateMany({ where: { id }, data: { url, name: input.name, scopes: joinScope(input.scopes) } });
      if (count === 0) return 'not_found';
      await tx.auditEvent.create({ data: auditEventData({ actor, action: 'resource_server.updated', target: { type: 'resource_server', id }, details: { url, name: input.name, scopes: input.scopes } }) });
      return 'updated';
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return 'exists';
    throw error;
  }
}

/** Deleting the last one lets any valid resource through again; the page says so. */
export async function deleteResourceServer(db: Db, id: string, actor: AuditActor): Promise<{ ok: true; remaining: number } | { ok: false }> {
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.resourceServer.findUnique({ where: { id } });
    if (!row) return { ok: false as const };
    await tx.resourceServer.delete({ where: { id } });
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'resource_server.deleted', target: { type: 'resource_server', id }, details: { url: row.url, name: row.name } }) });
    return { ok: true as const, remaining: await tx.resourceServer.count() };
  });
}

export async function countResourceServers(db: Db): Promise<number> {
  return db.prisma.resourceServer.count();
}
