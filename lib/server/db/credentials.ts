// Local (break-glass) credentials.
import type { Db } from './client.ts';
import { Prisma } from './generated/sqlite/client.ts';

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

/** A lock for a number of failures: `until` for exactly `failures` (the last entry: for that many and more). */
export type LockoutStep = { failures: number; until: Date };

/**
 * Reserves one attempt before its password is checked, in one statement on
 * both providers: counts it as a failure and sets the lock that count earns —
 * unless the account is locked at `now`, when nothing changes. Returns the new
 * count, or null when locked. Concurrent attempts each get their own count, so
 * no more of them than the lockout allows ever reach the password check. A
 * correct password then clears count and lock (recordLocalLoginSuccess).
 */
export async function reserveLocalLoginAttempt(db: Db, userId: string, now: Date, steps: readonly LockoutStep[]): Promise<number | null> {
  const count = Prisma.sql`"failedAttempts" + 1`;
  const last = steps.at(-1);
  const cases = [
    ...(last ? [Prisma.sql`WHEN ${count} >= ${last.failures} THEN ${last.until}`] : []),
    ...steps.slice(0, -1).map((step) => Prisma.sql`WHEN ${count} = ${step.failures} THEN ${step.until}`),
  ];
  const lockedUntil = cases.length ? Prisma.sql`CASE ${Prisma.join(cases, ' ')} ELSE "lockedUntil" END` : Prisma.sql`"lockedUntil"`;
  const rows = await db.prisma.$queryRaw<{ failedAttempts: unknown }[]>`
    UPDATE "LocalCredential" SET "failedAttempts" = ${count}, "lockedUntil" = ${lockedUntil}, "updatedAt" = ${now}
    WHERE "userId" = ${userId} AND ("lockedUntil" IS NULL OR "lockedUntil" <= ${now})
    RETURNING "failedAttempts"`;
  return rows.length ? Number(rows[0].failedAttempts) : null;
}

export async function recordLocalLoginSuccess(db: Db, userId: string, at: Date): Promise<void> {
  await db.prisma.$transaction([
    db.prisma.localCredential.update({ where: { userId }, data: { failedAttempts: 0, lockedUntil: null } }),
    db.prisma.user.update({ where: { id: userId }, data: { lastLoginAt: at } }),
  ]);
}
