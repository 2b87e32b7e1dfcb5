// Teams: an owner, members, the workspaces they hold, an optional
// tool list, and at most one team token valid at a time (activeJti + hash;
// rotating replaces both, so the previous token stops matching at once).
// Every change writes its audit event in its own transaction.
import { randomUUID } from 'node:crypto';
import { auditEventData, type AuditActor } from './audit.ts';
import type { Db } from './client.ts';
import { parseList } from './columns.ts';
import type { Cursor } from './keyset.ts';
import { containsText } from './search.ts';

export type TeamRole = 'owner' | 'member';

export type TeamListRow = {
  id: string;
  name: string;
  ownerEmail: string;
  active: boolean;
  memberCount: number;
  workspaceCount: number;
  hasToken: boolean;
  createdAt: Date;
};

export type TeamListFilter = { search?: string; active?: boolean };

/** A page of teams ordered by name (unique, indexed), continuing after the cursor's name. */
export async function listTeamsPage(db: Db, filter: TeamListFilter, page: { after?: Cursor; limit?: number } = {}): Promise<{ rows: TeamListRow[]; next: Cursor | null }> {
  const limit = page.limit ?? 25;
  const and: object[] = [];
  if (filter.search) and.push({ name: containsText(db, filter.search) });
  if (filter.active !== undefined) and.push({ active: filter.active });
  if (page.after) and.push({ name: { gt: page.after.value } });
  const rows = await db.prisma.team.findMany({
    where: { AND: and },
    orderBy: { name: 'asc' },
    take: limit + 1,
    include: { owner: { select: { email: true } }, _count: { select: { memberships: true, workspaces: true } } },
  });
  const teams = rows.slice(0, limit).map((r) => ({
    id: r.id,
    name: r.name,
    ownerEmail: r.owner.email,
    active: r.active,
    memberCount: r._count.memberships,
    workspaceCount: r._count.workspaces,
    hasToken: r.activeJti !== null,
    createdAt: r.createdAt,
  }));
  const last = teams.at(-1);
  return { rows: teams, next: rows.length > limit && last ? { value: last.name, id: last.id } : null };
}

export type TeamDetail = {
  id: string;
  name: string;
  active: boolean;
  owner: { id: string; email: string };
  /** null: every tool */
  tools: string[] | null;
  token: { prefix: string; issuedAt: Date | null; lastUsedAt: Date | null } | null;
  members: { userId: string; email: string; name: string | null; role: TeamRole; disabled: boolean; since: Date }[];
  workspaces: { id: string; key: string; name: string }[];
  createdAt: Date;
};

export async function findTeamDetail(db: Db, id: string): Promise<TeamDetail | null> {
  const row = await db.prisma.team.findUnique({
    where: { id },
    include: {
      owner: { select: { id: true, email: true } },
      memberships: { include: { user: { select: { email: true, name: true, disabled: true } } }, orderBy: [{ role: 'desc' }, { createdAt: 'asc' }], take: 500 },
      workspaces: { include: { workspace: { select: { id: true, key: true, name: true } } }, take: 500 },
    },
  });
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    active: row.active,
    owner: row.owner,
    tools: row.tools === null ? null : parseList(row.tools, 'Team.tools'),
    token: row.activeJti && row.tokenPrefix ? { prefix: row.tokenPrefix, issuedAt: row.tokenIssuedAt, lastUsedAt: row.tokenLastUsedAt } : null,
    members: row.memberships
      .map((m) => ({ userId: m.userId, email: m.user.email, name: m.user.name, role: m.role as TeamRole, disabled: m.user.disabled, since: m.createdAt }))
      .sort((a, b) => (a.role === b.role ? a.email.localeCompare(b.email) : a.role === 'owner' ? -1 : 1)),
    workspaces: row.workspaces.map((w) => w.workspace).sort((a, b) => a.key.localeCompare(b.key)),
    createdAt: row.createdAt,
  };
}

/** The teams a user belongs to, with their role, for the user's admin page. */
export async function listTeamsOfUser(db: Db, userId: string): Promise<{ id: string; name: string; role: TeamRole; active: boolean }[]> {
  const rows = await db.prisma.teamMembership.findMany({ where: { userId }, include: { team: { select: { name: true, active: true } } }, take: 500 });
  return rows.map((m) => ({ id: m.teamId, name: m.team.name, role: m.role as TeamRole, active: m.team.active })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Every workspace, for choosing one to assign (bounded: the picker is a select). */
export async function listWorkspaceChoices(db: Db): Promise<{ id: string; key: string; name: string }[]> {
  return db.prisma.workspace.findMany({ select: { id: true, key: true, name: true }, orderBy: [{ key: 'asc' }], take: 1000 });
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/** Creates the team with its owner as first member; null when the name is taken. */
export async function insertTeam(db: Db, input: { name: string; ownerId: string }, actor: AuditActor, at = new Date()): Promise<string | null> {
  const id = randomUUID();
  try {
    await db.prisma.$transaction([
      db.prisma.team.create({ data: { id, name: input.name, ownerId: input.ownerId, createdAt: at } }),
      db.prisma.teamMembership.create({ data: { teamId: id, userId: input.ownerId, role: 'owner', createdAt: at } }),
      db.prisma.auditEvent.create({ data: auditEventData({ actor, action: 'team.created', target: { type: 'team', id }, details: { name: input.name, ownerId: input.ownerId } }, at) }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  return id;
}

export async function addTeamMember(db: Db, teamId: string, userId: string, actor: AuditActor): Promise<'added' | 'already_member'> {
  try {
    await db.prisma.$transaction([
      db.prisma.teamMembership.create({ data: { teamId, userId, role: 'member' } }),
      db.prisma.auditEvent.create({ data: auditEventData({ actor, action: 'team.member_added', target: { type: 'team', id: teamId }, details: { userId } }) }),
    ]);
    return 'added';
  } catch (error) {
    if (isUniqueViolation(error)) return 'already_member';
    throw error;
  }
}

/** Removes a member; the owner stays (transfer ownership first). */
export async function removeTeamMember(db: Db, teamId: string, userId: string, actor: AuditActor): Promise<'removed' | 'not_member' | 'is_owner'> {
  return db.prisma.$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: teamId }, select: { ownerId: true } });
    if (!team) return 'not_member';
    if (team.ownerId === userId) return 'is_owner';
    const { count } = await tx.teamMembership.deleteMany({ where: { teamId, userId } });
    if (count === 0) return 'not_member';
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'team.member_removed', target: { type: 'team', id: teamId }, details: { userId } }) });
    return 'removed';
  });
}

/** Makes a current member the owner; the previous owner stays a member. */
export async function transferTeamOwnership(db: Db, teamId: string, newOwnerId: string, actor: AuditActor): Promise<'transferred' | 'not_member' | 'unchanged'> {
  return db.prisma.$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: teamId }, select: { ownerId: true } });
    if (!team) return 'not_member';
    if (team.ownerId === newOwnerId) return 'unchanged';
    const { count } = await tx.teamMembership.updateMany({ where: { teamId, userId: newOwnerId }, data: { role: 'owner' } });
    if (count === 0) return 'not_member';
    await tx.teamMembership.updateMany({ where: { teamId, userId: team.ownerId }, data: { role: 'member' } });
    await tx.team.update({ where: { id: teamId }, data: { ownerId: newOwnerId } });
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: 'team.owner_changed', target: { type: 'team', id: teamId }, details: { from: team.ownerId, to: newOwnerId } }),
    });
    return 'transferred';
  });
}

export async function assignTeamWorkspace(db: Db, teamId: string, workspaceId: string, actor: AuditActor): Promise<'assigned' | 'already_assigned'> {
  try {
    await db.prisma.$transaction([
      db.prisma.teamWorkspaceAssignment.create({ data: { teamId, workspaceId } }),
      db.prisma.auditEvent.create({ data: auditEventData({ actor, action: 'team.workspace_assigned', target: { type: 'team', id: teamId }, details: { workspaceId } }) }),
    ]);
    return 'assigned';
  } catch (error) {
    if (isUniqueViolation(error)) return 'already_assigned';
    throw error;
  }
}

export async function unassignTeamWorkspace(db: Db, teamId: string, workspaceId: string, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.teamWorkspaceAssignment.deleteMany({ where: { teamId, workspaceId } });
    if (count === 1) {
      await tx.auditEvent.create({ data: auditEventData({ actor, action: 'team.workspace_unassigned', target: { type: 'team', id: teamId }, details: { workspaceId } }) });
    }
    return count === 1;
  });
}

/** null: every tool. */
export async function setTeamTools(db: Db, teamId: string, tools: string[] | null, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.team.updateMany({ where: { id: teamId }, data: { tools: tools === null ? null : JSON.stringify(tools) } });
    if (count === 1) await tx.auditEvent.create({ data: auditEventData({ actor, action: 'team.tools_changed', target: { type: 'team', id: teamId }, details: { tools } }) });
    return count === 1;
  });
}

/** Deactivating keeps members, workspaces and token, but nothing of the team counts until it is reactivated. */
export async function setTeamActive(db: Db, teamId: string, active: boolean, actor: AuditActor): Promise<'changed' | 'unchanged' | 'not_found'> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.team.updateMany({ where: { id: teamId, active: !active }, data: { active } });
    if (count === 0) return (await tx.team.count({ where: { id: teamId } })) ? 'unchanged' : 'not_found';
    await tx.auditEvent.create({ data: auditEventData({ actor, action: active ? 'team.reactivated' : 'team.deactivated', target: { type: 'team', id: teamId } }) });
    return 'changed';
  });
}

export type NewTeamToken = { jti: string; tokenHash: string; prefix: string };

/**
 * Makes `token` the team's one valid token. Whatever token the team had stops
 * matching in the same write (its hash is replaced), so issuing over an
 * existing token is a rotation. The write is conditional on the token it
 * replaces, so of two racing rotations one wins and the other says so rather
 * than handing out a token that no longer works.
 */
export async function replaceTeamToken(db: Db, teamId: string, token: NewTeamToken, actor: AuditActor, at = new Date()): Promise<'issued' | 'rotated' | 'not_found' | 'conflict'> {
  return db.prisma.$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: teamId }, select: { activeJti: true } });
    if (!team) return 'not_found';
    const { count } = await tx.team.updateMany({
      where: { id: teamId, activeJti: team.activeJti },
      data: { activeJti: token.jti, tokenHash: token.tokenHash, tokenPrefix: token.prefix, tokenIssuedAt: at, tokenLastUsedAt: null },
    });
    if (count === 0) return 'conflict';
    const outcome = team.activeJti ? 'rotated' : 'issued';
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: `team.token_${outcome}`, target: { type: 'team', id: teamId }, details: { jti: token.jti, previousJti: team.activeJti, prefix: token.prefix } }, at),
    });
    return outcome;
  });
}

export async function revokeTeamToken(db: Db, teamId: string, actor: AuditActor, at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: teamId }, select: { activeJti: true } });
    if (!team?.activeJti) return false;
    const { count } = await tx.team.updateMany({
      where: { id: teamId, activeJti: team.activeJti },
      data: { activeJti: null, tokenHash: null, tokenPrefix: null, tokenIssuedAt: null, tokenLastUsedAt: null },
    });
    if (count === 0) return false;
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'team.token_revoked', target: { type: 'team', id: teamId }, details: { jti: team.activeJti } }, at) });
    return true;
  });
}
