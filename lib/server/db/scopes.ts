// Scopes: the OpenID built-ins always exist; a first start also adds
// `mcp:tools` (every tool, granted by default) so a fresh Gatehouse is usable.
// Admins add, edit and delete the others; built-ins can't be renamed or deleted.
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';
import { joinScope, parseList, splitScope } from './columns.ts';

const BUILT_IN = [
  { name: 'openid', description: 'Confirm who you are' },
  { name: 'profile', description: 'See your name and username' },
  { name: 'email', description: 'See your email address' },
  { name: 'offline_access', description: 'Stay connected when you are not using it' },
];

export const STARTER_SCOPE = { name: 'mcp:tools', description: 'Use the tools of your MCP servers', tools: ['*'], isDefault: true };

export async function ensureBuiltInScopes(db: Db): Promise<void> {
  const firstStart = (await db.prisma.scope.count()) === 0;
  for (const scope of BUILT_IN) {
    await db.prisma.scope.upsert({
      where: { name: scope.name },
      create: { ...scope, tools: '[]', builtIn: true, isDefault: false },
      update: { builtIn: true },
    });
  }
  if (firstStart) {
    await db.prisma.scope.upsert({
      where: { name: STARTER_SCOPE.name },
      create: { ...STARTER_SCOPE, tools: JSON.stringify(STARTER_SCOPE.tools) },
      update: {},
    });
  }
}

// ---------------------------------------------------------------------------
// Administration: list, create, edit, delete — each change audited in its transaction.

export const BUILT_IN_SCOPE_NAMES: readonly string[] = BUILT_IN.map((s) => s.name);

export type ScopeView = {
  name: string;
  description: string;
  /** ["*"] every tool, [] none */
  tools: string[];
  isDefault: boolean;
  builtIn: boolean;
  updatedAt: Date;
};

export type ScopeInput = { description: string; tools: string[]; isDefault: boolean };

type ScopeRow = Awaited<ReturnType<Db['prisma']['scope']['findUniqueOrThrow']>>;

function toScopeView(r: ScopeRow): ScopeView {
  return { name: r.name, description: r.description, tools: parseList(r.tools, 'Scope.tools'), isDefault: r.isDefault, builtIn: r.builtIn, updatedAt: r.updatedAt };
}

/** Keyset-paged by name (the primary key), optionally filtered by name or description. */
export async function listScopesPage(db: Db, params: { q?: string; after?: string; limit?: number }): Promise<{ rows: ScopeView[]; next: string | null }> {
  const limit = params.limit ?? 50;
  const and: object[] = [];
  if (params.q) and.push({ OR: [{ name: { contains: params.q } }, { description: { contains: params.q } }] });
  if (params.after) and.push({ name: { gt: params.after } });
  const rows = await db.prisma.scope.findMany({ where: { AND: and }, orderBy: { name: 'asc' }, take: limit + 1 });
  const page = rows.slice(0, limit).map(toScopeView);
  return { rows: page, next: rows.length > limit ? (page.at(-1)?.name ?? null) : null };
}

export async function listScopeNames(db: Db): Promise<string[]> {
  return (await db.prisma.scope.findMany({ select: { name: true }, orderBy: { name: 'asc' } })).map((r) => r.name);
}

/** Rows whose space-separated `scope` column holds `name` as a whole token. */
function holdsScope(column: string, name: string) {
  return { OR: [{ [column]: name }, { [column]: { startsWith: `${name} ` } }, { [column]: { endsWith: ` ${name}` } }, { [column]: { contains: ` ${name} ` } }] };
}

export type ScopeUsage = { activeGrants: number; clients: number; resourceServers: number };

/** Who refers to a scope by name: what renaming or deleting it would affect. */
export async function scopeUsage(db: Db, name: string): Promise<ScopeUsage> {
  const [activeGrants, clients, resourceServers] = await Promise.all([
    db.prisma.grant.count({ where: { revokedAt: null, ...holdsScope('scope', name) } }),
    db.prisma.client.count({ where: holdsScope('scope', name) }),
    db.prisma.resourceServer.count({ where: holdsScope('scopes', name) }),
  ]);
  return { activeGrants, clients, resourceServers };
}

const inUse = (u: ScopeUsage) => u.activeGrants + u.clients + u.resourceServers > 0;

export async function createScope(db: Db, name: string, input: ScopeInput, actor: AuditActor): Promise<'created' | 'exists'> {
  try {
    await db.prisma.$transaction([
      db.prisma.scope.create({ data: { name, description: input.description, tools: JSON.stringify(input.tools), isDefault: input.isDefault, builtIn: false } }),
      db.prisma.auditEvent.create({ data: auditEventData({ actor, action: 'scope.created', target: { type: 'scope', id: name }, details: { ...input } }) }),
    ]);
    return 'created';
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return 'exists';
    throw error;
  }
}

export type UpdateScopeOutcome = 'updated' | 'not_found' | 'built_in_rename' | 'in_use' | 'exists';

/**
 * Edits a scope. A rename is refused for built-ins and while grants, clients or
 * resource servers still name the scope: they would silently lose what it allows.
 */
export async function updateScope(db: Db, name: string, input: ScopeInput & { newName?: string }, actor: AuditActor): Promise<UpdateScopeOutcome> {
  const current = await db.prisma.scope.findUnique({ where: { name } });
  if (!current) return 'not_found';
  const renaming = input.newName !== undefined && input.newName !== name;
  if (renaming && current.builtIn) return 'built_in_rename';
  if (renaming && inUse(await scopeUsage(db, name))) return 'in_use';
  const data = { description: input.description, tools: JSON.stringify(input.tools), isDefault: input.isDefault, ...(renaming ? { name: input.newName } : {}) };
  try {
    return await db.prisma.$transaction(async (tx) => {
      const { count } = await tx.scope.updateMany({ where: { name }, data });
      if (count === 0) return 'not_found';
      const details = { ...input, ...(renaming ? { renamedFrom: name } : {}) };
      await tx.auditEvent.create({ data: auditEventData({ actor, action: 'scope.updated', target: { type: 'scope', id: input.newName ?? name }, details }) });
      return 'updated';
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return 'exists';
    throw error;
  }
}

/**
 * Deletes a scope (never a built-in one) and takes it off every resource
 * server's accepted list. Grants that hold it keep the name but it no longer
 * allows any tool: access fails closed.
 */
export async function deleteScope(db: Db, name: string, actor: AuditActor): Promise<'deleted' | 'not_found' | 'built_in'> {
  return db.prisma.$transaction(async (tx) => {
    const current = await tx.scope.findUnique({ where: { name } });
    if (!current) return 'not_found';
    if (current.builtIn) return 'built_in';
    await tx.scope.delete({ where: { name } });
    const servers = await tx.resourceServer.findMany({ where: holdsScope('scopes', name), select: { id: true, scopes: true } });
    for (const server of servers) {
      await tx.resourceServer.update({ where: { id: server.id }, data: { scopes: joinScope(splitScope(server.scopes).filter((s) => s !== name)) } });
    }
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: 'scope.deleted', target: { type: 'scope', id: name }, details: { resourceServersUpdated: servers.length } }),
    });
    return 'deleted';
  });
}
