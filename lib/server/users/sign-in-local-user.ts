// Break-glass local sign-in (docs/deploy.md, "Break-glass access"): argon2id
// passwords, a lockout with exponential backoff after repeated failures, and a
// per-address limit. The counters live on the credential row, so every
// instance sees the same lockout; each attempt is reserved on that row before
// its password is checked, so concurrent guesses can't outnumber the lockout.
// Nothing a caller sees tells a locked account from a wrong password or an
// unknown email: one message, and each costs one argon2 verification.
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/audit.ts';
import { findLocalCredential, recordLocalLoginSuccess, reserveLocalLoginAttempt, type LockoutStep } from '../db/credentials.ts';
import { findUserByEmail, type User } from '../db/users.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import type { RateLimiter } from '../http/rate-limit.ts';

export const FAILURES_BEFORE_LOCKOUT = 5;
const BASE_LOCKOUT_SECONDS = 30;
const MAX_LOCKOUT_SECONDS = 3600;

/** Attempts from one address, whatever the email: every attempt costs an argon2 run. */
export const LOCAL_SIGN_IN_LIMIT = { perAddress: 20, windowSeconds: 60 };

export type LocalSignInOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' | 'locked'; message: string }
  | { ok: false; reason: 'limited'; message: string; retryAfterSeconds: number };

/** 30 s after the fifth failure, doubling with each further one, at most an hour. */
export function lockoutSeconds(failures: number): number {
  if (failures < FAILURES_BEFORE_LOCKOUT) return 0;
  return Math.min(MAX_LOCKOUT_SECONDS, BASE_LOCKOUT_SECONDS * 2 ** (failures - FAILURES_BEFORE_LOCKOUT));
}

/** The lock each failure count earns from `now`, up to the first that reaches the cap (and every count after it). */
function lockoutSteps(now: Date): LockoutStep[] {
  const steps: LockoutStep[] = [];
  for (let failures = FAILURES_BEFORE_LOCKOUT; ; failures++) {
    const seconds = lockoutSeconds(failures);
    steps.push({ failures, until: new Date(now.getTime() + seconds * 1000) });
    if (seconds >= MAX_LOCKOUT_SECONDS) return steps;
  }
}

// Verifying against a real hash (same argon2 parameters) when there is no
// password to check keeps the timing the same.
let decoyHash: Promise<string> | null = null;
const decoy = () => (decoyHash ??= hashPassword('gatehouse-decoy-password'));

const MESSAGE = 'The email or password is not right.';

export async function signInLocalUser(
  db: Db,
  input: { email: string; password: string; ip?: string | null; userAgent?: string | null },
  opts: { now?: Date; limiter?: RateLimiter | null; verify?: typeof verifyPassword } = {},
): Promise<LocalSignInOutcome> {
  const now = opts.now ?? new Date();
  const verify = opts.verify ?? verifyPassword;
  if (opts.limiter) {
    const decision = await opts.limiter.hit(`local-sign-in|${input.ip ?? 'unknown'}`, LOCAL_SIGN_IN_LIMIT.perAddress, LOCAL_SIGN_IN_LIMIT.windowSeconds);
    if (!decision.allowed) {
      const { retryAfterSeconds } = decision;
      return { ok: false, reason: 'limited', message: `Too many sign-in attempts from your network address. Try again in ${retryAfterSeconds} seconds.`, retryAfterSeconds };
    }
  }
  const user = await findUserByEmail(db, input.email.trim().toLowerCase());
  const credential = user ? await findLocalCredential(db, user.id) : null;
  if (!user || !credential || user.disabled || !user.isAdmin) {
    await verify(await decoy(), input.password);
    return { ok: false, reason: 'invalid', message: MESSAGE };
  }
  const failures = await reserveLocalLoginAttempt(db, user.id, now, lockoutSteps(now));
  if (failures === null) {
    await verify(await decoy(), input.password);
    return { ok: false, reason: 'locked', message: MESSAGE };
  }
  const audit = { actor: { type: 'user' as const, id: user.id, label: user.email }, target: { type: 'user', id: user.id }, ip: input.ip, userAgent: input.userAgent };
  if (!(await verify(credential.passwordHash, input.password))) {
    await recordAudit(db, { ...audit, action: 'user.local_login_failed', details: { failures, lockedForSeconds: lockoutSeconds(failures) } });
    return { ok: false, reason: 'invalid', message: MESSAGE };
  }
  await recordLocalLoginSuccess(db, user.id, now);
  await recordAudit(db, { ...audit, action: 'user.local_login' });
  return { ok: true, user };
}
