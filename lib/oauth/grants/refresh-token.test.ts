// Refresh token rotation (OAuth 2.1 §4.3.1): a retry of the just-rotated token
// inside the grace window gets the same response; any other reuse revokes the
// family. GATEHOUSE_REFRESH_REUSE_GRACE=0 turns retries off entirely.
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientFixture, createMemoryContext, TEST_NOW, type MemoryContext } from '../../../tests/helpers/memory-context.ts';
import { hashToken } from '../../crypto.ts';
import { OAuthError } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import { clearExpiredRefreshRetries, refreshAccessToken } from './refresh-token.ts';

let ctx: MemoryContext;
let client: OAuthClient;
const REFRESH = 'gh_rt_unit-test-refresh-token-value';

async function setUp(grace: number) {
  ctx = await createMemoryContext({ ttl: { accessToken: 900, refreshToken: 86400, code: 60, refreshReuseGrace: grace } });
  ctx.store.scopes = [{ name: 'mcp:tools', description: '', tools: ['*'], isDefault: true }];
  client = await ctx.store.insertClient(clientFixture());
  ctx.store.activeUsers.add('user-1');
  const grant = await ctx.store.saveGrant({ userId: 'user-1', clientId: client.id, scope: ['mcp:tools'], resource: null, workspaceKeys: [] }, TEST_NOW);
  await ctx.store.insertRefreshToken({
    id: randomUUID(),
    tokenHash: hashToken(REFRESH),
    grantId: grant.id,
    familyId: 'family-1',
    parentId: null,
    scope: ['mcp:tools'],
    resource: null,
    expiresAt: new Date(TEST_NOW.getTime() + 86_400_000),
    jkt: null,
  });
}

const refresh = () => refreshAccessToken(ctx, client, { refresh_token: REFRESH });
/** The retry record of the first refresh token (the one every test rotates). */
const retryRecord = () => ctx.store.refreshTokens.get(hashToken(REFRESH))!.retryCipher;
const at = (ms: number) => new Date(TEST_NOW.getTime() + ms);

describe('with the default grace window', () => {
  beforeEach(() => setUp(30));

  it('a retry inside the window gets the identical response', async () => {
    const first = await refresh();
    ctx.setNow(at(29_000));
    expect(await refresh()).toEqual(first);
    expect(ctx.store.events.at(-1)).toMatchObject({ action: 'oauth.refresh_reused', details: { outcome: 'grace_retry' } });
  });

  it('a reuse after the window revokes the family', async () => {
    const first = await refresh();
    ctx.setNow(at(31_000));
    await expect(refresh()).rejects.toMatchObject({ code: 'invalid_grant' });
    expect([...ctx.store.refreshTokens.values()].every((t) => t.revokedAt)).toBe(true);
    expect([...ctx.store.accessTokens.values()].every((t) => t.revokedAt)).toBe(true);
    await expect(refreshAccessToken(ctx, client, { refresh_token: first.refresh_token })).rejects.toBeInstanceOf(OAuthError);
  });

  it('a retry after the window is treated as reuse, and the retry record goes with the family', async () => {
    await refresh();
    expect(retryRecord()).not.toBeNull();
    ctx.setNow(at(30_000));
    await expect(refresh()).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(ctx.store.events.at(-1)).toMatchObject({ action: 'oauth.refresh_reused', details: { outcome: 'family_revoked' } });
    expect(retryRecord()).toBeNull();
  });

  it('the sweep clears retry records once the window has passed, and only then', async () => {
    const first = await refresh();
    ctx.setNow(at(29_999));
    expect(await clearExpiredRefreshRetries(ctx)).toBe(0);
    expect(retryRecord()).not.toBeNull();
    ctx.setNow(at(30_000));
    expect(await clearExpiredRefreshRetries(ctx)).toBe(1);
    expect(retryRecord()).toBeNull();
    // The successor is untouched and still works.
    await expect(refreshAccessToken(ctx, client, { refresh_token: first.refresh_token })).resolves.toMatchObject({ token_type: 'Bearer' });
  });
});

describe('with GATEHOUSE_REFRESH_REUSE_GRACE=0', () => {
  beforeEach(() => setUp(0));

  it('a rotated token keeps no retry record (the successor\'s tokens are stored nowhere)', async () => {
    await refresh();
    expect(ctx.store.refreshTokens.get(hashToken(REFRESH))!.rotatedAt).not.toBeNull();
    expect(retryRecord()).toBeNull();
  });

  it('a reuse a moment later revokes the family', async () => {
    await refresh();
    ctx.setNow(at(1));
    await expect(refresh()).rejects.toMatchObject({ code: 'invalid_grant' });
    expect([...ctx.store.accessTokens.values()].every((t) => t.revokedAt)).toBe(true);
  });

  // A zero grace never retries, not even in the same millisecond or from an
  // instance whose clock is behind.
  it('a reuse in the same millisecond as the rotation is not a retry either', async () => {
    await refresh();
    await expect(refresh()).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('a reuse from an instance whose clock is behind is not a retry either', async () => {
    await refresh();
    ctx.setNow(at(-2_000));
    await expect(refresh()).rejects.toMatchObject({ code: 'invalid_grant' });
  });
});

describe('a refresh token bound to a DPoP key (RFC 9449 §5)', () => {
  beforeEach(async () => {
    await setUp(30);
    ctx.store.refreshTokens.get(hashToken(REFRESH))!.jkt = 'jkt-a';
  });
  const withKey = (jkt: string | null, token = REFRESH) => refreshAccessToken(ctx, client, { refresh_token: token, dpop: jkt ? { jkt } : null });

  it('refreshes only with a proof by that key, and its successor stays bound', async () => {
    await expect(withKey(null)).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(withKey('jkt-b')).rejects.toMatchObject({ code: 'invalid_grant' });
    const response = await withKey('jkt-a');
    expect(response.token_type).toBe('DPoP');
    expect(ctx.store.refreshTokens.get(hashToken(response.refresh_token!))!.jkt).toBe('jkt-a');
    expect([...ctx.store.accessTokens.values()].map((t) => t.jkt)).toEqual(['jkt-a']);
  });

  it('a retry inside the grace window needs the key too: the retry record holds live tokens', async () => {
    const first = await withKey('jkt-a');
    await expect(withKey(null)).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(withKey('jkt-b')).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(await withKey('jkt-a')).toEqual(first);
  });
});
