// Users (SPEC §3): rows in, domain objects out.
import { randomUUID } from 'node:crypto';
import type { Db } from './client.ts';

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
