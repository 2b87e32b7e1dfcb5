// Break-glass local sign-in (docs/deploy.md, "Break-glass access") on both
// providers: the lockout is counted atomically, so concurrent guesses never get
// more password checks than the threshold allows; one message for a locked
// account, a wrong password and an unknown email, each costing an argon2 run;
// and a per-address limit that refuses before any argon2 run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../lib/server/auth/passwords.ts';
import { listRecentAudit } from '../../lib/server/db/audit.ts';
import { findLocalCredential } from '../../lib/server/db/credentials.ts';
import { createMemoryRateLimiter } from '../../lib/server/http/rate-limit.ts';
import { createAdmin } from '../../lib/server/users/create-admin.ts';
import { FAILURES_BEFORE_LOCKOUT, LOCAL_SIGN_IN_LIMIT, signInLocalUser } from '../../lib/server/users/sign-in-local-user.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';
import { unique } from '../helpers/factories.ts';

const PASSWORD = 'correct horse battery staple';
const CLI = { type: 'system', label: 'cli' } as const;

describe.each(providers)('break-glass sign-in on %s', (provider) => {
  let database: MigratedTestDatabase;
  beforeAll(async () => {
    database = await openMigratedDatabase(provider);
  });
  afterAll(() => database?.close());

  const newAdmin = async () => {
    const email = `${unique('root')}@example.com`;
    const { user } = await createAdmin(database.db, { email, password: PASSWORD }, CLI);
    return { email, id: user.id };
  };
  const attempt = (email: string, password: string, ip = '192.0.2.1', now?: Date) => signInLocalUser(database.db, { email, password, ip }, { now });
  const failedAudits = async (id: string) =>
    (await listRecentAudit(database.db, { action: 'user.local_login_failed', limit: 200 })).filter((e) => e.target?.id === id).length;

  it('twenty wrong guesses in parallel get no more password checks than the lockout threshold', async () => {
    const admin = await newAdmin();
    const realHash = (await findLocalCredential(database.db, admin.id))!.passwordHash;
    const verified: string[] = [];
    const verify = (hash: string, guess: string) => (verified.push(hash), verifyPassword(hash, guess));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signInLocalUser(database.db, { email: admin.email, password: `wrong guess ${i}`, ip: '192.0.2.1' }, { verify })),
    );
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    // Every attempt cost one argon2 run; only the threshold's worth were against the real hash.
    expect(verified).toHaveLength(20);
    expect(verified.filter((h) => h === realHash)).toHaveLength(FAILURES_BEFORE_LOCKOUT);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'invalid')).toHaveLength(FAILURES_BEFORE_LOCKOUT);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'locked')).toHaveLength(20 - FAILURES_BEFORE_LOCKOUT);
    expect((await findLocalCredential(database.db, admin.id))?.failedAttempts).toBe(FAILURES_BEFORE_LOCKOUT);
    expect(await failedAudits(admin.id)).toBe(FAILURES_BEFORE_LOCKOUT);
    // Locked: even the right password is refused, until the lock ends.
    expect(await attempt(admin.email, PASSWORD)).toMatchObject({ ok: false, reason: 'locked' });
    const later = new Date(Date.now() + 31_000);
    expect(await attempt(admin.email, PASSWORD, '192.0.2.1', later)).toMatchObject({ ok: true });
    expect(await findLocalCredential(database.db, admin.id)).toMatchObject({ failedAttempts: 0, lockedUntil: null });
  });

  it('after a lock ends, concurrent guesses get one check each time the lock ends', async () => {
    const admin = await newAdmin();
    for (let i = 0; i < FAILURES_BEFORE_LOCKOUT; i++) await attempt(admin.email, `wrong ${i}`);
    const later = new Date(Date.now() + 31_000);
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(admin.email, `again ${i}`, '192.0.2.1', later)));
    expect(outcomes.filter((o) => !o.ok && o.reason === 'invalid')).toHaveLength(1);
    const credential = await findLocalCredential(database.db, admin.id);
    expect(credential?.failedAttempts).toBe(FAILURES_BEFORE_LOCKOUT + 1);
    // The sixth failure locks for twice as long: 60 s from that attempt.
    expect(credential!.lockedUntil!.getTime() - later.getTime()).toBe(60_000);
  });

  it('says the same for a locked account, a wrong password, and an unknown email', async () => {
    const admin = await newAdmin();
    const wrong = await attempt(admin.email, 'not the password');
    for (let i = 0; i < FAILURES_BEFORE_LOCKOUT; i++) await attempt(admin.email, `wrong ${i}`);
    const locked = await attempt(admin.email, PASSWORD);
    const unknown = await attempt(`${unique('nobody')}@example.com`, PASSWORD);
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    const messages = [wrong, locked, unknown].map((o) => (o.ok ? null : o.message));
    expect(messages).toEqual(Array(3).fill('The email or password is not right.'));
    expect(locked).not.toHaveProperty('retryAfterSeconds');
  });

  it('an unknown email, a locked account and a wrong password each cost one argon2 run of the same parameters', async () => {
    const admin = await newAdmin();
    const realHash = (await findLocalCredential(database.db, admin.id))!.passwordHash;
    const runs = async (email: string, password: string) => {
      const hashes: string[] = [];
      const verify = (hash: string, guess: string) => (hashes.push(hash), verifyPassword(hash, guess));
      await signInLocalUser(database.db, { email, password, ip: '192.0.2.1' }, { verify });
      return hashes;
    };
    const parameters = (hash: string) => hash.split('$').slice(1, 4).join('$'); // argon2id$v=19$m=…,t=…,p=…
    expect(await runs(admin.email, 'wrong')).toEqual([realHash]);
    for (let i = 1; i < FAILURES_BEFORE_LOCKOUT; i++) await attempt(admin.email, `wrong ${i}`);
    for (const hashes of [await runs(admin.email, PASSWORD), await runs(`${unique('nobody')}@example.com`, PASSWORD)]) {
      expect(hashes).toHaveLength(1);
      expect(hashes[0]).not.toBe(realHash);
      expect(parameters(hashes[0])).toBe(parameters(realHash));
    }
    expect(parameters(realHash)).toBe('argon2id$v=19$m=19456,t=2,p=1');
  });

  it('refuses past the per-address limit before checking any password, and other addresses go on', async () => {
    const admin = await newAdmin();
    const limiter = createMemoryRateLimiter();
    const from = (ip: string, password: string) => signInLocalUser(database.db, { email: admin.email, password, ip }, { limiter });
    for (let i = 0; i < LOCAL_SIGN_IN_LIMIT.perAddress; i++) await from('198.51.100.7', i < FAILURES_BEFORE_LOCKOUT - 1 ? `wrong ${i}` : PASSWORD);
    const before = await findLocalCredential(database.db, admin.id);
    const refused = await from('198.51.100.7', PASSWORD);
    expect(refused).toMatchObject({ ok: false, reason: 'limited' });
    expect(!refused.ok && refused.message).toMatch(/too many sign-in attempts/i);
    expect(refused.ok === false && refused.reason === 'limited' && refused.retryAfterSeconds).toBeGreaterThan(0);
    // Nothing was reserved or checked for the refused attempt.
    expect(await findLocalCredential(database.db, admin.id)).toEqual(before);
    expect(await from('203.0.113.9', PASSWORD)).toMatchObject({ ok: true });
  });
});
