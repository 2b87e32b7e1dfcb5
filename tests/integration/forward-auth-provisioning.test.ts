// Just-in-time provisioning of identities forwarded by the SSO edge,
// on both providers: once per identity, lower-cased, promoted to admin by
// email or group and never demoted, disabled users refused, a username clash
// refused (and audited) rather than suffixed, and racing first requests safe.
import { afterEach, describe, expect, it } from 'vitest';
import { readForwardedIdentity, type ForwardAuthSettings, type ForwardedIdentity } from '../../lib/identity/forward-auth.ts';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { applyMigrations } from '../../lib/server/db/migrate.ts';
import { signInExternalUser, type SignInOutcome } from '../../lib/server/users/sign-in-external-user.ts';
import { createTestDatabase, providers, type Provider } from '../helpers/databases.ts';

const NO_ADMINS = { adminEmails: [], adminGroups: [] };

const identity = (email: string, groups: string[] = []): ForwardedIdentity => ({
  email,
  username: email.slice(0, email.lastIndexOf('@')).toLowerCase(),
  groups,
});

const PROXY_SECRET = 'edge-secret-0123456789';

const edgeSettings = (usernameEmailDomain: string | null): ForwardAuthSettings => ({
  enabled: true,
  proxySecret: PROXY_SECRET,
  headers: { email: 'x-auth-request-email', user: 'x-auth-request-user', groups: 'x-auth-request-groups' },
  usernameEmailDomain,
  bypassPaths: [],
});

/** The identity the edge forwarded with these headers (and the proxy secret). */
function forwarded(headers: Record<string, string>, settings: ForwardAuthSettings): ForwardedIdentity {
  const all: Record<string, string> = { 'x-gatehouse-proxy-secret': PROXY_SECRET, ...headers };
  const read = readForwardedIdentity('/account', (name) => all[name], settings);
  if (read.kind !== 'identity') throw new Error(`no identity: ${read.reason}`);
  return read.identity;
}

function ok(outcome: SignInOutcome) {
  if (!outcome.ok) throw new Error(`sign-in refused: ${outcome.reason}: ${outcome.message}`);
  return outcome;
}

/**
 * `db`, except that its first lookup of a user by email, once answered, waits
 * for `gate` before returning: a request that read "no such user" just before
 * another request created it.
 */
function pauseAfterEmailLookup(db: Db, onLookup: () => void, gate: Promise<void>): Db {
  let paused = false;
  const users = db.prisma.user;
  const findUnique = async (args: { where: Record<string, unknown> }) => {
    const row = await (users.findUnique as (a: unknown) => Promise<unknown>)(args);
    if (!paused && 'email' in args.where) {
      paused = true;
      onLookup();
      await gate;
    }
    return row;
  };
  const user = new Proxy(users, { get: (target, prop) => (prop === 'findUnique' ? findUnique : Reflect.get(target, prop)) });
  const prisma = new Proxy(db.prisma, { get: (target, prop) => (prop === 'user' ? user : Reflect.get(target, prop)) });
  return { ...db, prisma };
}

describe.each(providers)('forward-auth provisioning on %s', (provider: Provider) => {
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function freshDb(): Promise<Db> {
    const test = await createTestDatabase(provider);
    cleanups.push(() => test.drop());
    await applyMigrations(test.url);
    const db = openDb(test.url);
    cleanups.push(() => db.close());
    return db;
  }

  it('provisions an identity once, with a lower-cased email', async () => {
    const db = await freshDb();
    const alice = forwarded({ 'x-auth-request-email': 'Alice.Smith@Example.COM', 'x-auth-request-groups': 'dev, ops' }, edgeSettings(null));

    const first = ok(await signInExternalUser(db, alice, NO_ADMINS));
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ email: 'alice.smith@example.com', username: 'alice.smith', isAdmin: false, createdVia: 'forward_auth' });
    expect(first.user.lastLoginAt).toBeInstanceOf(Date);

    const second = ok(await signInExternalUser(db, alice, NO_ADMINS));
    expect(second).toMatchObject({ created: false, user: { id: first.user.id } });

    // The same person with different casing (as another edge might send it) is the same user.
    const shouted = ok(await signInExternalUser(db, { ...identity('ALICE.SMITH@EXAMPLE.COM'), username: 'alice.smith' }, NO_ADMINS));
    expect(shouted).toMatchObject({ created: false, user: { id: first.user.id, email: 'alice.smith@example.com' } });

    expect(await db.prisma.user.count()).toBe(1);
    expect((await db.prisma.user.findFirstOrThrow()).email).toBe('alice.smith@example.com');
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.provisioned', targetId: first.user.id } })).toBe(1);
  });

  it('provisions a bare username from the email header through GATEHOUSE_USERNAME_EMAIL_DOMAIN (Cognito pools without an email attribute)', async () => {
    const db = await freshDb();
    const settings = edgeSettings('corp.example');
    const dana = forwarded({ 'x-auth-request-email': 'dana', 'x-auth-request-user': '5f1c3a8e-7d2b-4c55-9a61-0e8f2d9b1c44' }, settings);
    const first = ok(await signInExternalUser(db, dana, NO_ADMINS));
    expect(first).toMatchObject({ created: true, user: { email: 'dana@corp.example', username: 'dana', createdVia: 'forward_auth' } });
    // The same person through the user header alone is the same user.
    const again = forwarded({ 'x-auth-request-user': 'dana' }, settings);
    expect(ok(await signInExternalUser(db, again, NO_ADMINS))).toMatchObject({ created: false, user: { id: first.user.id } });
    expect(await db.prisma.user.count()).toBe(1);
  });

  it('promotes to admin by email and by group, and never demotes', async () => {
    const db = await freshDb();
    const policy = { adminEmails: ['boss@example.com'], adminGroups: ['gatehouse-admins'] };

    // New users: admin from the start.
    const boss = ok(await signInExternalUser(db, identity('boss@example.com'), policy));
    expect(boss).toMatchObject({ created: true, user: { isAdmin: true } });
    const ops = ok(await signInExternalUser(db, identity('ops@example.com', ['staff', 'gatehouse-admins']), policy));
    expect(ops).toMatchObject({ created: true, user: { isAdmin: true } });
    const dev = ok(await signInExternalUser(db, identity('dev@example.com', ['staff']), policy));
    expect(dev).toMatchObject({ created: true, user: { isAdmin: false } });

    // Existing users: promoted on their next sign-in once they match, even right away.
    const devLater = ok(await signInExternalUser(db, identity('dev@example.com', ['staff', 'gatehouse-admins']), policy));
    expect(devLater).toMatchObject({ created: false, user: { id: dev.user.id, isAdmin: true } });
    const carol = ok(await signInExternalUser(db, identity('carol@example.com'), NO_ADMINS));
    expect(carol.user.isAdmin).toBe(false);
    const carolLater = ok(await signInExternalUser(db, identity('carol@example.com'), { ...policy, adminEmails: ['carol@example.com'] }));
    expect(carolLater.user.isAdmin).toBe(true);
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.promoted_admin' } })).toBe(2);

    // Dropped from the lists (or the group): still admins, now and after the refresh interval.
    const muchLater = new Date(Date.now() + 10 * 60_000);
    for (const [who, id] of [['boss@example.com', boss.user.id], ['ops@example.com', ops.user.id], ['dev@example.com', dev.user.id], ['carol@example.com', carol.user.id]] as const) {
      const now = ok(await signInExternalUser(db, identity(who), NO_ADMINS));
      expect(now.user).toMatchObject({ id, isAdmin: true });
      const later = ok(await signInExternalUser(db, identity(who), NO_ADMINS, { now: muchLater }));
      expect(later.user).toMatchObject({ id, isAdmin: true });
    }
    expect(await db.prisma.user.count({ where: { isAdmin: true } })).toBe(4);
  });

  it('refuses a disabled user', async () => {
    const db = await freshDb();
    const first = ok(await signInExternalUser(db, identity('dana@example.com'), NO_ADMINS));
    await db.prisma.user.update({ where: { id: first.user.id }, data: { disabled: true } });

    const refused = await signInExternalUser(db, identity('dana@example.com'), { adminEmails: ['dana@example.com'], adminGroups: [] });
    expect(refused).toMatchObject({ ok: false, reason: 'disabled' });
    if (!refused.ok) expect(refused.message).toMatch(/disabled/);
    // Being listed as an admin neither re-enables nor promotes a disabled user.
    expect(await db.prisma.user.findUniqueOrThrow({ where: { id: first.user.id } })).toMatchObject({ disabled: true, isAdmin: false });
  });

  it('refuses an identity whose username belongs to another user, with an audit event', async () => {
    const db = await freshDb();
    const owner = ok(await signInExternalUser(db, identity('sam@one.example'), NO_ADMINS));

    const refused = await signInExternalUser(db, identity('sam@two.example'), { adminEmails: ['sam@two.example'], adminGroups: [] });
    expect(refused).toMatchObject({ ok: false, reason: 'username_taken' });
    if (!refused.ok) expect(refused.message).toContain('"sam"');

    const users = await db.prisma.user.findMany();
    expect(users.map((u) => u.email)).toEqual(['sam@one.example']);
    expect(users[0]).toMatchObject({ id: owner.user.id, isAdmin: false });

    const events = await db.prisma.auditEvent.findMany({ where: { action: 'user.provision_refused' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: 'system', targetType: 'user', targetId: owner.user.id });
    expect(JSON.parse(events[0].details)).toMatchObject({ reason: 'username_taken', email: 'sam@two.example', username: 'sam' });
  });

  it('a first sign-in that loses the race to create its own row still succeeds', async () => {
    const db = await freshDb();
    const who = identity('frank@example.com');
    // Request B looks its email up before request A creates the user, and carries on after.
    let lookedUp!: () => void;
    let release!: () => void;
    const bLookedUp = new Promise<void>((r) => (lookedUp = r));
    const aDone = new Promise<void>((r) => (release = r));
    const slowB = pauseAfterEmailLookup(openDb(db.url), () => lookedUp(), aDone);
    cleanups.push(() => slowB.close());

    const b = signInExternalUser(slowB, who, NO_ADMINS);
    await bLookedUp;
    const a = ok(await signInExternalUser(db, who, NO_ADMINS));
    release();
    expect(a.created).toBe(true);
    expect(ok(await b)).toMatchObject({ created: false, user: { id: a.user.id } });

    expect(await db.prisma.user.count()).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.provision_refused' } })).toBe(0);
  });

  it('two concurrent first sign-ins of one identity both succeed with a single row', async () => {
    const db = await freshDb();
    // A second connection, as a second request (or a second instance) would have.
    const other = openDb(db.url);
    cleanups.push(() => other.close());
    const who = identity('erin@example.com', ['staff']);

    const outcomes = await Promise.all([
      signInExternalUser(db, who, NO_ADMINS),
      signInExternalUser(other, who, NO_ADMINS),
      signInExternalUser(db, who, NO_ADMINS),
      signInExternalUser(other, who, NO_ADMINS),
    ]);
    const ids = outcomes.map((o) => ok(o).user.id);
    expect(new Set(ids).size).toBe(1);
    expect(outcomes.filter((o) => o.ok && o.created)).toHaveLength(1);

    expect(await db.prisma.user.count()).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.provisioned' } })).toBe(1);
    // The loser of the race is not mistaken for someone else with the same username.
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.provision_refused' } })).toBe(0);
  });
});
