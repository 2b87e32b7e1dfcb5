// Local (break-glass) credentials.
import type { Db } from './client.ts';

export async function upsertLocalCredential(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.prisma.localCredential.upsert({
    where: { userId },
    create: { userId, passwordHash },
    update: { passwordHash, failedAttempts: 0, lockedUntil: null },
  });
}

export async function findLocalCredential(db: Db, userId: string) {
  const row = await db.prisma.localCredential.findUnique({ where: { userId } });
  return row && { passwordHash: row.passwordHash, failedAttempts: row.failedAttempts, lockedUntil: row.lockedUntil };
}

/** Counts a failure atomically (concurrent guesses can't under-count) and applies the lockout it earns. */
export async function recordLocalLoginFailure(db: Db, userId: string, lockUntil: (failures: number) => Date | null): Promise<number> {
  const row = await db.prisma.localCredential.update({ where: { userId }, data: { failedAttempts: { increment: 1 } } });
  const until = lockUntil(row.failedAttempts);
  if (until) await db.prisma.localCredential.update({ where: { userId }, data: { lockedUntil: until } });
  return row.failedAttempts;
}

export async function recordLocalLoginSuccess(db: Db, userId: string, at: Date): Promise<void> {
  await db.prisma.$transaction([
    db.prisma.localCredential.update({ where: { userId }, data: { failedAttempts: 0, lockedUntil: null } }),
    db.prisma.user.update({ where: { id: userId }, data: { lastLoginAt: at } }),
  ]);
}
