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
