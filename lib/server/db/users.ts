// Users: rows in, domain objects out.
import { randomUUID } from 'node:crypto';
import { auditEventData, type AuditInput } from './audit.ts';
import type { Db } from './client.ts';
import type { Cursor } from './keyset.ts';
import { containsText } from './search.ts';

export type UserCreatedVia = 'forward_auth' | 'oidc' | 'local' | 'admin';

export type User = {
  id: string;
  email: string;
  username: string;
  name: string | null;
  isAdmin: boolean;
  disabled: boolean;
  createdVia: UserCreatedVia;
  lastLoginAt: Date | null;
  createdAt: Date;
};

type UserRow = Awaited<ReturnType<Db['prisma']['user']['findUniqueOrThrow']>>;

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    name: row.name,
    isAdmin: row.isAdmin,
    disabled: row.disabled,
    createdVia: row.createdVia as UserCreatedVia,
    lastLoginAt: row.lastLoginAt,
    createdAt: row.createdAt,
  };
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const row = await db.prisma.user.findUnique({ where: { email: email.toLowerCase() } });
  return row && toUser(row);
}

export async function findUserById(db: Db, id: string): Promise<User | null> {
  const row = await db.prisma.user.findUnique({ where: { id } });
  return row && toUser(row);
}

export async function findUserByUsername(db: Db, username: string): Promise<User | null> {
  const row = await db.prisma.user.findUnique({ where: { username } });
  return row && toUser(row);
}

export type NewUser = { email: string; username: string; name?: string | null; isAdmin: boolean; createdVia: UserCreatedVia };

export async function insertUser(db: Db, input: NewUser, at = new Date()): Promise<User> {
  const row = await db.prisma.user.create({
    data: {
      id: randomUUID(),
      email: input.email.toLowerCase(),
      username: input.username,
      name: input.name ?? null,
      isAdmin: input.isAdmin,
      createdVia: input.createdVia,
      lastLoginAt: input.createdVia === 'admin' ? null : at,
    },
  });
  return toUser(row);
}

/** Records a sign-in; `promoteToAdmin` only ever grants (revoking admin is an explicit admin action). */
export async function recordUserSignIn(db: Db, id: string, promoteToAdmin: boolean, at = new Date()): Promise<User> {
  const row = await db.prisma.user.update({
    where: { id },
    data: { lastLoginAt: at, ...(promoteToAdmin ? { isAdmin: true } : {}) },
  });
  return toUser(row);
}

export async function countUsers(db: Db): Promise<number> {
  return db.prisma.user.count();
}

export async function setUserAdmin(db: Db, id: string, isAdmin: boolean): Promise<User> {
  return toUser(await db.prisma.user.update({ where: { id }, data: { isAdmin } }));
}

/** Names for workspace keys, in the order given; unknown keys keep their key as name. */
export async function describeWorkspaces(db: Db, keys: string[]): Promise<{ key: string; name: string }[]> {
  if (keys.length === 0) return [];
  const rows = await db.prisma.workspace.findMany({ where: { key: { in: keys } }, select: { key: true, name: true } });
  const names = new Map(rows.map((r) => [r.key, r.name]));
  return keys.map((key) => ({ key, name: names.get(key) ?? key }));
}

// ---------------------------------------------------------------------------
// The admin console's users: list, make or unmake admin, disable.

export type UserListFilter = { search?: string; admin?: boolean; disabled?: boolean };

/**
 * A page of users ordered by email (unique, indexed), continuing after the
 * cursor's email: one index range scan however deep the page.
 */
export async function listUsersPage(
  db: Db,
  filter: UserListFilter,
  page: { after?: Cursor; limit?: number } = {},
): Promise<{ rows: User[]; next: Cursor | null }> {
  const limit = page.limit ?? 25;
  const and: object[] = [];
  if (filter.search) {
    const text = containsText(db, filter.search);
    and.push({ OR: [{ email: text }, { username: text }, { name: text }] });
  }
  if (filter.admin !== undefined) and.push({ isAdmin: filter.admin });
  if (filter.disabled !== undefined) and.push({ disabled: filter.disabled });
  if (page.after) and.push({ email: { gt: page.after.value } });
  const rows = await db.prisma.user.findMany({ where: { AND: and }, orderBy: { email: 'asc' }, take: limit + 1 });
  const users = rows.slice(0, limit).map(toUser);
  const last = users.at(-1);
  return { rows: users, next: rows.length > limit && last ? { value: last.email, id: last.id } : null };
}

/** Access tokens (JWT records) of the user that are neither revoked nor expired. */
export async function countLiveAccessTokensOfUser(db: Db, userId: string, now = new Date()): Promise<number> {
  return db.prisma.accessToken.count({ where: { OR: [{ userId }, { grant: { userId } }], revokedAt: null, expiresAt: { gt: now } } });
}

type Tx = Parameters<Parameters<Db['prisma']['$transaction']>[0]>[0];

/** Interactive transactions may wait for the admin rows' locks; Prisma's 2 s / 5 s defaults are tight under load. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 10_000 };

/** Thrown inside a transaction to roll it back when it would leave no active admin. */
class LastAdminError extends Error {}

/**
 * Ends the transaction if no active (not disabled) admin would remain. On
 * PostgreSQL the admin rows are locked first, so two concurrent demotions
 * cannot each see the other as the remaining admin; SQLite serialises writers.
 */
async function lockActiveAdmins(tx: Tx, db: Db): Promise<void> {
  if (db.provider === 'postgresql') await tx.$queryRaw`SELECT id FROM "User" WHERE "isAdmin" = true AND disabled = false FOR UPDATE`;
}

async function assertAnActiveAdminRemains(tx: Tx): Promise<void> {
  if ((await tx.user.count({ where: { isAdmin: true, disabled: false } })) === 0) throw new LastAdminError();
}

export type SetAdminOutcome = 'changed' | 'unchanged' | 'not_found' | 'last_admin';

/** Makes or unmakes an admin, with its audit event, never leaving the console without an active admin. */
export async function changeUserAdmin(db: Db, id: string, isAdmin: boolean, audit: Omit<AuditInput, 'action' | 'target'>, at = new Date()): Promise<SetAdminOutcome> {
  try {
    return await db.prisma.$transaction(async (tx) => {
      await lockActiveAdmins(tx, db);
      const user = await tx.user.findUnique({ where: { id }, select: { isAdmin: true } });
      if (!user) return 'not_found';
      if (user.isAdmin === isAdmin) return 'unchanged';
      await tx.user.update({ where: { id }, data: { isAdmin } });
      if (!isAdmin) await assertAnActiveAdminRemains(tx);
      await tx.auditEvent.create({ data: auditEventData({ ...audit, action: isAdmin ? 'user.promoted_admin' : 'user.demoted_admin', target: { type: 'user', id } }, at) });
      return 'changed';
    }, TX_OPTIONS);
  } catch (error) {
    if (error instanceof LastAdminError) return 'last_admin';
    throw error;
  }
}

export type RevokedForUser = { grants: number; refreshTokens: number; accessTokens: number; personalTokens: number };

export type DisableOutcome = { status: 'disabled'; revoked: RevokedForUser } | { status: 'unchanged' | 'not_found' | 'last_admin' };

/**
 * Disables the user and, in the same transaction as its audit event, revokes
 * everything they hold: their grants, the refresh and access tokens
 * issued under them, any other access-token records naming them, and their
 * personal tokens. Re-enabling restores none of it.
 */
export async function disableUser(db: Db, id: string, audit: Omit<AuditInput, 'action' | 'target'>, at = new Date()): Promise<DisableOutcome> {
  try {
    return await db.prisma.$transaction(async (tx) => {
      await lockActiveAdmins(tx, db);
      const { count } = await tx.user.updateMany({ where: { id, disabled: false }, data: { disabled: true } });
      if (count === 0) return { status: (await tx.user.count({ where: { id } })) ? 'unchanged' : 'not_found' } as const;
      await assertAnActiveAdminRemains(tx);
      const revoked: RevokedForUser = {
        refreshTokens: (await tx.refreshToken.updateMany({ where: { grant: { userId: id }, revokedAt: null }, data: { revokedAt: at, revokedReason: 'user_disabled' } })).count,
        accessTokens: (await tx.accessToken.updateMany({ where: { OR: [{ userId: id }, { grant: { userId: id } }], revokedAt: null }, data: { revokedAt: at } })).count,
        grants: (await tx.grant.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: at } })).count,
        personalTokens: (await tx.personalToken.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: at } })).count,
      };
      await tx.auditEvent.create({ data: auditEventData({ ...audit, action: 'user.disabled', target: { type: 'user', id }, details: { revoked } }, at) });
      return { status: 'disabled', revoked } as const;
    }, TX_OPTIONS);
  } catch (error) {
    if (error instanceof LastAdminError) return { status: 'last_admin' };
    throw error;
  }
}

export async function enableUser(db: Db, id: string, audit: Omit<AuditInput, 'action' | 'target'>, at = new Date()): Promise<'enabled' | 'unchanged' | 'not_found'> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id, disabled: true }, data: { disabled: false } });
    if (count === 0) return (await tx.user.count({ where: { id } })) ? 'unchanged' : 'not_found';
    await tx.auditEvent.create({ data: auditEventData({ ...audit, action: 'user.enabled', target: { type: 'user', id } }, at) });
    return 'enabled';
  });
}
