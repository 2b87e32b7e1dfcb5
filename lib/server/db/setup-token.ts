// The first-run setup token (docs/deploy.md#first-run): while no administrator
// exists, each start of the server issues one and prints it as a link; the
// first person to open it creates the break-glass administrator. Kept in the
// database, so that any instance can redeem what another printed; one row at
// most, so a new start invalidates the link an older one printed.
import { randomUUID } from 'node:crypto';
import { hashToken, randomToken, safeEqual } from '../../crypto.ts';
import { auditEventData } from './audit.ts';
import type { Db } from './client.ts';
import type { User } from './users.ts';

const ROW_ID = 'first-admin';
export const SETUP_TOKEN_TTL_SECONDS = 15 * 60;
export const SETUP_TOKEN_PREFIX = 'gh_setup_';

export async function administratorExists(db: Db): Promise<boolean> {
  return (await db.prisma.user.findFirst({ where: { isAdmin: true }, select: { id: true } })) !== null;
}

/** A new token (256 random bits; only its hash is stored), or null when an administrator exists. */
export async function issueSetupToken(db: Db, now = new Date()): Promise<{ token: string; expiresAt: Date } | null> {
  if (await administratorExists(db)) return null;
  const token = randomToken(SETUP_TOKEN_PREFIX);
  const expiresAt = new Date(now.getTime() + SETUP_TOKEN_TTL_SECONDS * 1000);
  const data = { tokenHash: hashToken(token), expiresAt, createdAt: now };
  await db.prisma.setupToken.upsert({ where: { id: ROW_ID }, create: { id: ROW_ID, ...data }, update: data });
  return { token, expiresAt };
}

export type SetupTokenState = 'valid' | 'invalid' | 'admin_exists';

type Reader = Pick<Db['prisma'], 'setupToken' | 'user'>;

async function stateOf(prisma: Reader, token: string, now: Date): Promise<{ state: SetupTokenState; tokenHash?: string }> {
  if (await prisma.user.findFirst({ where: { isAdmin: true }, select: { id: true } })) return { state: 'admin_exists' };
  const row = await prisma.setupToken.findUnique({ where: { id: ROW_ID } });
  // Constant time: the comparison says nothing about how much of a guess was right.
  if (!row || !safeEqual(hashToken(token), row.tokenHash) || row.expiresAt <= now) return { state: 'invalid' };
  return { state: 'valid', tokenHash: row.tokenHash };
}

/** Whether `token` would be accepted now (it stays unused). */
export async function checkSetupToken(db: Db, token: string, now = new Date()): Promise<SetupTokenState> {
  return (await stateOf(db.prisma, token, now)).state;
}

export type NewFirstAdmin = { email: string; username: string; passwordHash: string; ip?: string | null; userAgent?: string | null };

export type RedeemOutcome = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'admin_exists' | 'account_exists' };

/**
 * Creates the first administrator with a local password and consumes the token,
 * with its audit event, in one transaction. Of two submissions of one token
 * exactly one wins: the loser's DELETE finds no row (PostgreSQL makes it wait
 * for the winner's row lock and re-check; SQLite runs one writer at a time).
 */
export async function redeemSetupToken(db: Db, token: string, admin: NewFirstAdmin, now = new Date()): Promise<RedeemOutcome> {
  return db.prisma.$transaction(
    async (tx): Promise<RedeemOutcome> => {
      const { state, tokenHash } = await stateOf(tx, token, now);
      if (state !== 'valid') return { ok: false, reason: state };
      if (await tx.user.findFirst({ where: { OR: [{ email: admin.email }, { username: admin.username }] }, select: { id: true } })) {
        return { ok: false, reason: 'account_exists' };
      }
      const { count } = await tx.setupToken.deleteMany({ where: { id: ROW_ID, tokenHash } });
      if (count !== 1) return { ok: false, reason: 'invalid' };
      const row = await tx.user.create({
        data: { id: randomUUID(), email: admin.email, username: admin.username, isAdmin: true, createdVia: 'local', lastLoginAt: null, createdAt: now },
      });
      await tx.localCredential.create({ data: { userId: row.id, passwordHash: admin.passwordHash } });
      await tx.auditEvent.create({
        data: auditEventData(
          {
            actor: { type: 'system', label: 'setup link' },
            action: 'user.created',
            target: { type: 'user', id: row.id },
            ip: admin.ip,
            userAgent: admin.userAgent,
            details: { email: row.email, admin: true, localPassword: true, via: 'setup_link' },
          },
          now,
        ),
      });
      return { ok: true, user: { ...row, createdVia: 'local' } };
    },
    { maxWait: 10_000, timeout: 10_000 },
  );
}
