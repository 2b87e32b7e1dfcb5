// Small factories for integration tests: each takes the Db first and seeds or
// inspects one kind of row. They go through the db modules where those exist
// (users, clients) and through Prisma otherwise; tests themselves never touch
// Prisma. Unique values come from a counter plus a random suffix, so factories
// can be called freely within one database.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../lib/server/db/client.ts';
import type { OAuthClient } from '../../lib/oauth/ports.ts';
import { insertClient, type NewClient } from '../../lib/server/db/clients.ts';
import { insertUser, type User } from '../../lib/server/db/users.ts';

let counter = 0;
/** A short string unique across this test process. */
export function unique(prefix = 'x'): string {
  return `${prefix}${++counter}${randomBytes(3).toString('hex')}`;
}

// ---------------------------------------------------------------------------
// Users

export async function createUser(db: Db, overrides: { email?: string; username?: string; disabled?: boolean } = {}): Promise<User> {
  const name = unique('user');
  const user = await insertUser(db, {
    email: overrides.email ?? `${name}@example.test`,
    username: overrides.username ?? name,
    isAdmin: false,
    createdVia: 'forward_auth',
  });
  if (overrides.disabled) await setUserDisabled(db, user.id, true);
  return { ...user, disabled: overrides.disabled ?? false };
}

export async function setUserDisabled(db: Db, userId: string, disabled: boolean): Promise<void> {
  await db.prisma.user.update({ where: { id: userId }, data: { disabled } });
}

// ---------------------------------------------------------------------------
// Clients

export async function createClient(db: Db, overrides: Partial<NewClient> = {}): Promise<OAuthClient> {
  return insertClient(db, {
    id: randomUUID(),
    clientId: unique('client_'),
    name: 'Test client',
    secretHash: null,
    redirectUris: ['https://app.example/callback'],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'none',
    scope: '',
    logoUri: null,
    clientUri: null,
    applicationType: 'web',
    metadata: {},
    source: 'admin',
    registrationAccessTokenHash: null,
    canIntrospect: false,
    createdBy: null,
    ...overrides,
  });
}

// ---------------------------------------------------------------------------
// Grants (the store creates them; tests need to revoke them and read usage)

export async function revokeGrant(db: Db, grantId: string, at = new Date()): Promise<void> {
  await db.prisma.grant.update({ where: { id: grantId }, data: { revokedAt: at } });
}

// ---------------------------------------------------------------------------
// Teams and workspaces

export type TestTeam = { id: string; name: string; ownerId: string };

export async function createTeam(
  db: Db,
  ownerId: string,
  overrides: {
    name?: string;
    active?: boolean;
    tools?: string[] | null;
    tokenHash?: string | null;
    activeJti?: string | null;
    tokenIssuedAt?: Date | null;
  } = {},
): Promise<TestTeam> {
  const row = await db.prisma.team.create({
    data: {
      id: randomUUID(),
      name: overrides.name ?? unique('Team '),
      ownerId,
      active: overrides.active ?? true,
      tools: overrides.tools === undefined || overrides.tools === null ? null : JSON.stringify(overrides.tools),
      tokenHash: overrides.tokenHash ?? null,
      activeJti: overrides.activeJti ?? null,
      tokenPrefix: overrides.tokenHash ? 'ght_test' : null,
      tokenIssuedAt: overrides.tokenIssuedAt ?? null,
    },
  });
  return { id: row.id, name: row.name, ownerId: row.ownerId };
}

export async function setTeamActive(db: Db, teamId: string, active: boolean): Promise<void> {
  await db.prisma.team.update({ where: { id: teamId }, data: { active } });
}

export async function addMember(db: Db, teamId: string, userId: string, role: 'owner' | 'member' = 'member'): Promise<void> {
  await db.prisma.teamMembership.create({ data: { teamId, userId, role } });
}

export async function removeMember(db: Db, teamId: string, userId: string): Promise<void> {
  await db.prisma.teamMembership.delete({ where: { teamId_userId: { teamId, userId } } });
}

export type TestWorkspace = { id: string; key: string };

export async function createWorkspace(db: Db, key = unique('ws_')): Promise<TestWorkspace> {
  const row = await db.prisma.workspace.create({ data: { id: randomUUID(), key, name: key } });
  return { id: row.id, key: row.key };
}

/** A user who owns a team with one workspace: someone with something to share at consent. */
export async function createUserWithWorkspace(db: Db): Promise<{ user: User; workspace: TestWorkspace }> {
  const user = await createUser(db);
  const team = await createTeam(db, user.id);
  await addMember(db, team.id, user.id, 'owner');
  const workspace = await createWorkspace(db);
  await assignWorkspace(db, team.id, workspace.id);
  return { user, workspace };
}

export async function assignWorkspace(db: Db, teamId: string, workspaceId: string): Promise<void> {
  await db.prisma.teamWorkspaceAssignment.create({ data: { teamId, workspaceId } });
}

// ---------------------------------------------------------------------------
// Catalogue

export async function createScope(
  db: Db,
  input: { name?: string; description?: string; tools?: string[]; isDefault?: boolean } = {},
): Promise<{ name: string }> {
  const row = await db.prisma.scope.create({
    data: {
      name: input.name ?? unique('scope:'),
      description: input.description ?? 'A test scope',
      tools: JSON.stringify(input.tools ?? []),
      isDefault: input.isDefault ?? false,
    },
  });
  return { name: row.name };
}

export async function createResourceServer(
  db: Db,
  input: { url?: string; name?: string; scopes?: string[] } = {},
): Promise<{ id: string; url: string }> {
  const row = await db.prisma.resourceServer.create({
    data: {
      id: randomUUID(),
      url: input.url ?? `https://${unique('mcp')}.example/`,
      name: input.name ?? 'MCP server',
      scopes: (input.scopes ?? []).join(' '),
    },
  });
  return { id: row.id, url: row.url };
}

// ---------------------------------------------------------------------------
// Personal tokens

export async function createPersonalToken(
  db: Db,
  userId: string,
  input: { tokenHash?: string; name?: string; workspaceKeys?: string[]; tools?: string[]; expiresAt?: Date | null; revokedAt?: Date | null } = {},
): Promise<{ id: string; tokenHash: string }> {
  const row = await db.prisma.personalToken.create({
    data: {
      id: randomUUID(),
      name: input.name ?? 'laptop',
      prefix: 'ghp_test',
      tokenHash: input.tokenHash ?? unique('pat-hash-'),
      userId,
      workspaceKeys: JSON.stringify(input.workspaceKeys ?? []),
      tools: JSON.stringify(input.tools ?? []),
      expiresAt: input.expiresAt ?? null,
      revokedAt: input.revokedAt ?? null,
    },
  });
  return { id: row.id, tokenHash: row.tokenHash };
}

// ---------------------------------------------------------------------------
// Inspection: columns the domain objects do not carry.

export async function lastUsedAt(
  db: Db,
  model: 'client' | 'grant' | 'personalToken' | 'refreshToken',
  id: string,
): Promise<Date | null | undefined> {
  const where = { where: { id }, select: { lastUsedAt: true } } as const;
  const row =
    model === 'client'
      ? await db.prisma.client.findUnique(where)
      : model === 'grant'
        ? await db.prisma.grant.findUnique(where)
        : model === 'personalToken'
          ? await db.prisma.personalToken.findUnique(where)
          : await db.prisma.refreshToken.findUnique(where);
  return row?.lastUsedAt;
}

export async function refreshTokenRevocation(db: Db, id: string): Promise<{ revokedAt: Date | null; revokedReason: string | null } | null> {
  return db.prisma.refreshToken.findUnique({ where: { id }, select: { revokedAt: true, revokedReason: true } });
}

export async function countRows(db: Db, model: 'grant' | 'accessToken' | 'refreshToken' | 'authorizationCode', where: Record<string, unknown> = {}): Promise<number> {
  const delegate = db.prisma[model] as unknown as { count(args: { where: Record<string, unknown> }): Promise<number> };
  return delegate.count({ where });
}

// ---------------------------------------------------------------------------
// Client ages (pruning looks at when a client was registered and last used)

export async function setClientTimes(db: Db, clientRowId: string, times: { createdAt?: Date; lastUsedAt?: Date | null }): Promise<void> {
  await db.prisma.client.update({ where: { id: clientRowId }, data: times });
}
