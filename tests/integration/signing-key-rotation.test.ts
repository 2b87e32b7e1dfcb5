// Signing-key lifecycle on both providers (docs/signing-keys.md):
// pending keys are published but never sign; making one the signer moves the
// previous signer to retiring; a retiring key leaves the JWKS once the longest
// access-token lifetime (plus the signer-cache window) has passed, whether or
// not anyone has recorded it yet; early retirement is explicit and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRecentAudit } from '../../lib/server/db/audit.ts';
import type { Db } from '../../lib/server/db/client.ts';
import { listSigningKeys } from '../../lib/server/db/signing-keys.ts';
import {
  SIGNER_CACHE_MS,
  activateSigningKey,
  ensureActiveSigningKey,
  publishSigningKey,
  retireExpiredSigningKeys,
  retireSigningKeyNow,
  retirementDueAt,
  rotateSigningKey,
} from '../../lib/server/keys/signing-keys.ts';
import { invalidateCached } from '../../lib/server/oauth/cache-invalidation.ts';
import { createKeyProvider } from '../../lib/server/oauth/key-provider.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';

const SECRET = 'test-secret-for-signing-keys-0123456789';
const TTL = 900;
const ADMIN = { type: 'user', id: 'admin-1', label: 'admin@example.test' } as const;

describe.each(providers)('signing-key rotation on %s', (provider) => {
  let database: MigratedTestDatabase;
  let db: Db;
  const statusOf = async () => Object.fromEntries((await listSigningKeys(db)).map((k) => [k.kid, k.status]));

  beforeAll(async () => {
    database = await openMigratedDatabase(provider);
    db = database.db;
  });
  afterAll(() => database?.close());

  it('stages a rotation: publish, make signer, retire after the token lifetime', async () => {
    const first = (await ensureActiveSigningKey(db, SECRET))!;
    expect(first).toBeTruthy();
    expect(await ensureActiveSigningKey(db, SECRET)).toBeNull();
    let clock = Date.now();
    const keys = createKeyProvider(db, SECRET, { accessTokenTtlSeconds: TTL, now: () => clock });
    expect((await keys.getSigner()).kid).toBe(first);

    // Stage 1: published in the JWKS, not signing; a second one waits its turn.
    const published = await publishSigningKey(db, SECRET, ADMIN);
    if (!published.ok) throw new Error(published.message);
    const second = published.kid;
    expect(await publishSigningKey(db, SECRET, ADMIN)).toMatchObject({ ok: false });
    invalidateCached(db, 'signing-keys');
    expect((await keys.getPublicKeys()).map((k) => k.kid).sort()).toEqual([first, second].sort());
    expect((await keys.getSigner()).kid).toBe(first);
    expect(await statusOf()).toEqual({ [first]: 'active', [second]: 'pending' });

    // Stage 2: the signer; the previous one retires from now on.
    const activated = await activateSigningKey(db, second, ADMIN);
    expect(activated).toEqual({ ok: true, retiring: [first] });
    expect(await activateSigningKey(db, second, ADMIN)).toMatchObject({ ok: false });
    // The provider still serves its cached copy until invalidated (other instances: until it expires).
    expect((await keys.getSigner()).kid).toBe(first);
    invalidateCached(db, 'signing-keys');
    expect((await keys.getSigner()).kid).toBe(second);
    expect((await keys.getPublicKeys()).map((k) => k.kid).sort()).toEqual([first, second].sort());
    const old = (await listSigningKeys(db)).find((k) => k.kid === first)!;
    expect(old.status).toBe('retiring');
    expect(old.retiringAt).toBeInstanceOf(Date);
    const due = retirementDueAt(old, TTL)!;
    expect(due.getTime()).toBe(old.retiringAt!.getTime() + TTL * 1000 + SIGNER_CACHE_MS);

    // Not yet: one millisecond before the due time nothing retires.
    expect(await retireExpiredSigningKeys(db, TTL, { type: 'system' }, new Date(due.getTime() - 1))).toEqual([]);
    expect(await statusOf()).toEqual({ [first]: 'retiring', [second]: 'active' });

    // Past the due time the JWKS drops it at once, before the retirement is recorded…
    clock = due.getTime() + 1;
    expect((await keys.getPublicKeys()).map((k) => k.kid)).toEqual([second]);
    // …and the provider records it in the background.
    await expect.poll(statusOf).toEqual({ [first]: 'retired', [second]: 'active' });
    const retiredEvent = (await listRecentAudit(db, { action: 'signing_key.retired' }))[0];
    expect(retiredEvent).toMatchObject({ target: { type: 'signing_key', id: first }, details: { reason: 'lifetime_passed' } });

    const actions = (await listRecentAudit(db, { action: 'signing_key.' })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['signing_key.created', 'signing_key.published', 'signing_key.activated', 'signing_key.retired']));
  });

  it('retires early only pending or retiring keys, and says how many live tokens it cut off', async () => {
    const signer = (await listSigningKeys(db)).find((k) => k.status === 'active')!;
    expect(await retireSigningKeyNow(db, signer.kid, ADMIN)).toMatchObject({ ok: false });

    const { kid, retiring } = await rotateSigningKey(db, SECRET, ADMIN);
    expect(retiring).toEqual([signer.kid]);
    // A token the old key signed, still live.
    await db.prisma.accessToken.create({
      data: { jti: `jti-${kid}`, kind: 'client_credentials', kid: signer.kid, scope: '', audience: 'https://issuer.example', expiresAt: new Date(Date.now() + 600_000) },
    });
    expect(await retireSigningKeyNow(db, signer.kid, ADMIN)).toEqual({ ok: true, liveTokens: 1 });
    expect((await listSigningKeys(db)).find((k) => k.kid === signer.kid)?.status).toBe('retired');
    // (The first test's automatic retirement is dated in the future: find this key's event by target.)
    expect((await listRecentAudit(db, { action: 'signing_key.retired' })).find((e) => e.target?.id === signer.kid)).toMatchObject({
      actor: { type: 'user', id: ADMIN.id },
      details: { reason: 'manual', liveTokens: 1 },
    });

    // A published key that is never used can be discarded.
    const published = await publishSigningKey(db, SECRET, ADMIN);
    if (!published.ok) throw new Error(published.message);
    expect(await retireSigningKeyNow(db, published.kid, ADMIN)).toEqual({ ok: true, liveTokens: 0 });
    expect(await activateSigningKey(db, published.kid, ADMIN)).toMatchObject({ ok: false });
    const keys = createKeyProvider(db, SECRET, { accessTokenTtlSeconds: TTL });
    expect((await keys.getPublicKeys()).map((k) => k.kid)).not.toContain(published.kid);
    expect((await keys.getSigner()).kid).toBe(kid);
  });
});
