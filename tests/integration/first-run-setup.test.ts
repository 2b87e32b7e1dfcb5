// The first-run setup link (docs/deploy.md#first-run), on both providers: a
// token of 256 random bits, stored only as its hash, that creates the first
// administrator once — never after it expired, never once an administrator
// exists, and for exactly one of two concurrent submissions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../lib/crypto.ts';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { verifyPassword } from '../../lib/server/auth/passwords.ts';
import { SETUP_TOKEN_PREFIX, SETUP_TOKEN_TTL_SECONDS, issueSetupToken } from '../../lib/server/db/setup-token.ts';
import { createFirstAdmin } from '../../lib/server/users/first-admin-setup.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';
import { insertUser } from '../../lib/server/db/users.ts';

const PASSWORD = 'correct horse battery';
const submit = (token: string, email = 'first@example.com') => ({ token, email, password: PASSWORD, confirm: PASSWORD });

describe.each(providers)('%s', (provider) => {
  let database: MigratedTestDatabase;
  let db: Db;

  beforeEach(async () => {
    database = await openMigratedDatabase(provider);
    db = database.db;
  });
  afterEach(() => database.close());

  it('a setup token creates the first administrator once, with a local password and an audit event', async () => {
    const issued = await issueSetupToken(db);
    expect(issued!.token.startsWith(SETUP_TOKEN_PREFIX)).toBe(true);
    // 32 random bytes, base64url.
    expect(issued!.token.slice(SETUP_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await db.prisma.setupToken.findMany();
    expect(row.tokenHash).toBe(hashToken(issued!.token));
    expect(JSON.stringify(row)).not.toContain(issued!.token.slice(SETUP_TOKEN_PREFIX.length));

    expect(await createFirstAdmin(db, submit(issued!.token, 'First@Example.com'), { ip: '203.0.113.9' })).toEqual({ ok: true, email: 'first@example.com' });
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'first@example.com' }, include: { credential: true } });
    expect(user).toMatchObject({ isAdmin: true, disabled: false, createdVia: 'local', username: 'first' });
    expect(await verifyPassword(user.credential!.passwordHash, PASSWORD)).toBe(true);
    const audit = await db.prisma.auditEvent.findMany({ where: { targetId: user.id } });
    expect(audit).toMatchObject([{ action: 'user.created', actorType: 'system', actorLabel: 'setup link', ip: '203.0.113.9' }]);
    expect(audit[0].details).not.toContain(issued!.token);
    expect(await db.prisma.setupToken.count()).toBe(0);

    const again = await createFirstAdmin(db, submit(issued!.token, 'second@example.com'));
    expect(again).toMatchObject({ ok: false, message: expect.stringContaining('An administrator exists already') });
    expect(await db.prisma.user.count()).toBe(1);
  });

  it('a setup token is refused after 15 minutes', async () => {
    const issuedAt = new Date(Date.now() - SETUP_TOKEN_TTL_SECONDS * 1000 - 1000);
    const issued = await issueSetupToken(db, issuedAt);
    expect(await createFirstAdmin(db, submit(issued!.token))).toMatchObject({ ok: false, message: expect.stringContaining('not valid any more') });
    expect(await db.prisma.user.count()).toBe(0);
  });

  it('a wrong or replaced setup token is refused; a new start replaces the link', async () => {
    const older = await issueSetupToken(db);
    const newer = await issueSetupToken(db);
    expect(await db.prisma.setupToken.count()).toBe(1);
    expect(await createFirstAdmin(db, submit(`${SETUP_TOKEN_PREFIX}${'A'.repeat(43)}`))).toMatchObject({ ok: false });
    expect(await createFirstAdmin(db, submit(older!.token))).toMatchObject({ ok: false, message: expect.stringContaining('not valid any more') });
    expect(await createFirstAdmin(db, submit(newer!.token))).toMatchObject({ ok: true });
  });

  it('no setup token is issued, and none redeemed, once an administrator exists', async () => {
    const issued = await issueSetupToken(db);
    await insertUser(db, { email: 'boss@example.com', username: 'boss', isAdmin: true, createdVia: 'forward_auth' });
    expect(await issueSetupToken(db)).toBeNull();
    expect(await createFirstAdmin(db, submit(issued!.token))).toMatchObject({ ok: false, message: expect.stringContaining('An administrator exists already') });
    expect(await db.prisma.user.count()).toBe(1);
  });

  it('the CLI password rules apply, and a refused form leaves the token usable', async () => {
    const issued = await issueSetupToken(db);
    const short = await createFirstAdmin(db, { token: issued!.token, email: 'first@example.com', password: 'short', confirm: 'short' });
    expect(short).toMatchObject({ ok: false, fieldErrors: { password: expect.stringContaining('at least 12 characters') } });
    const differ = await createFirstAdmin(db, { token: issued!.token, email: 'first@example.com', password: PASSWORD, confirm: `${PASSWORD}!` });
    expect(differ).toMatchObject({ ok: false, fieldErrors: { confirm: 'the two passwords differ' } });
    const email = await createFirstAdmin(db, { ...submit(issued!.token), email: 'not-an-email' });
    expect(email).toMatchObject({ ok: false, fieldErrors: { email: expect.any(String) } });
    expect(await createFirstAdmin(db, submit(issued!.token))).toMatchObject({ ok: true });
  });

  it('of two concurrent submissions of one setup token exactly one creates an administrator', async () => {
    const issued = await issueSetupToken(db);
    // PostgreSQL: two instances, each with its own pool. SQLite: one connection per process (see tests/helpers/protocol-server.ts).
    const other = provider === 'postgresql' ? openDb(database.url) : db;
    try {
      const results = await Promise.all([
        createFirstAdmin(db, submit(issued!.token, 'one@example.com')),
        createFirstAdmin(other, submit(issued!.token, 'two@example.com')),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await db.prisma.user.count({ where: { isAdmin: true } })).toBe(1);
      expect(await db.prisma.auditEvent.count({ where: { action: 'user.created' } })).toBe(1);
    } finally {
      if (other !== db) await other.close();
    }
  });
});
