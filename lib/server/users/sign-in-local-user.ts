// Break-glass local sign-in (SPEC §5): argon2id passwords, and a lockout with
// exponential backoff after repeated failures. The counters live on the
// credential row, so every instance sees the same lockout.
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/audit.ts';
import { findLocalCredential, recordLocalLoginFailure, recordLocalLoginSuccess } from '../db/credentials.ts';
import { findUserByEmail, type User } from '../db/users.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';

export const FAILURES_BEFORE_LOCKOUT = 5;
const BASE_LOCKOUT_SECONDS = 30;
const MAX_LOCKOUT_SECONDS = 3600;

export type LocalSignInOutcome = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'locked'; message: string; retryAfterSeconds?: number };

/** 30 s after the fifth failure, doubling with each further one, at most an hour. */
export function lockoutSeconds(failures: number): number {
  if (failures < FAILURES_BEFORE_LOCKOUT) return 0;
  return Math.min(MAX_LOCKOUT_SECONDS, BASE_LOCKOUT_SECONDS * 2 ** (failures - FAILURES_BEFORE_LOCKOUT));
}

// Verifying against a real hash when the user is unknown keeps the timing the same.
let decoyHash: Promise<string> | null = null;
const decoy = () => (decoyHash ??= hashPassword('gatehouse-decoy-password'));

const INVALID = { ok: false, reason: 'invalid', message: 'The email or password is not right.' } as const;

export async function signInLocalUser(
  db: Db,
  input: { email: string; password: string; ip?: string | null; userAgent?: string | null },
  now = new Date(),
): Promise<LocalSignInOutcome> {
  const user = await findUserByEmail(db, input.email.trim().toLowerCase());
  const credential = user ? await findLocalCredential(db, user.id) : null;
  if (!user || !credential || user.disabled || !user.isAdmin) {
    await verifyPassword(await decoy(), input.password);
    return INVALID;
  }
  if (credential.lockedUntil && credential.lockedUntil > now) {
    const retryAfterSeconds = Math.ceil((credential.lockedUntil.getTime() - now.getTime()) / 1000);
    return { ok: false, reason: 'locked', message: `Too many failed attempts. Try again in ${retryAfterSeconds} seconds.`, retryAfterSeconds };
  }
  const audit = { actor: { type: 'user' as const, id: user.id, label: user.email }, target: { type: 'user', id: user.id }, ip: input.ip, userAgent: input.userAgent };
  if (!(await verifyPassword(credential.passwordHash, input.password))) {
    const failures = await recordLocalLoginFailure(db, user.id, (n) => (lockoutSeconds(n) ? new Date(now.getTime() + lockoutSeconds(n) * 1000) : null));
    await recordAudit(db, { ...audit, action: 'user.local_login_failed', details: { failures, lockedForSeconds: lockoutSeconds(failures) } });
    return INVALID;
  }
  await recordLocalLoginSuccess(db, user.id, now);
  await recordAudit(db, { ...audit, action: 'user.local_login' });
  return { ok: true, user };
}
