// The Prisma OAuthStore (lib/server/db/oauth-store.ts) on both providers: every
// method, the row ↔ domain mapping, and the guarantees the protocol core relies
// on — a code or refresh token is consumed exactly once however many requests
// (or instances) race for it, a family revocation is total and scoped, and a
// token's reach is computed from the teams as they are now.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  IssuedTokens,
  NewAccessToken,
  NewClientRecord,
  NewRefreshToken,
  OAuthStore,
} from '../../lib/oauth/ports.ts';
import { listRecentAudit } from '../../lib/server/db/audit.ts';
import { openDb, type Db } from '../../lib/server/db/client.ts';
import { createOAuthStore } from '../../lib/server/db/oauth-store.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';
import {
  addMember,
  assignWorkspace,
  countRows,
  createClient,
  createPersonalToken,
  createResourceServer,
  createScope,
  createTeam,
  createUser,
  createWorkspace,
  lastUsedAt,
  refreshTokenRevocation,
  removeMember,
  revokeGrant,
  setTeamActive,
  setUserDisabled,
  unique,
} from '../helpers/factories.ts';

const RESOURCE = 'https://mcp.example/';
/** Millisecond-precise instants, so a lost or swapped date shows up. */
const at = (ms: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, 0, 0) + ms);
const later = at(3_600_000);

describe.each(providers)('the OAuth store on %s', (provider) => {
  let database: MigratedTestDatabase;
  let db: Db;
  let store: OAuthStore;

  beforeAll(async () => {
    database = await openMigratedDatabase(provider);
    db = database.db;
    store = createOAuthStore(db);
  });
  afterAll(() => database?.close());

  // -- local seeds -------------------------------------------------------------

  async function seedGrant(resource: string | null = RESOURCE) {
    const user = await createUser(db);
    const client = await createClient(db);
    const grant = await store.saveGrant(
      { userId: user.id, clientId: client.id, scope: ['mcp:tools', 'offline_access'], resource, workspaceKeys: ['alpha'] },
      at(0),
    );
    return { user, client, grant };
  }

  function newCode(grantId: string) {
    return {
      id: randomUUID(),
      codeHash: unique('code-hash-'),
      grantId,
      redirectUri: 'https://app.example/callback',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      dpopJkt: null as string | null,
      scope: ['mcp:tools', 'offline_access'],
      resource: RESOURCE as string | null,
      expiresAt: at(60_000),
    };
  }

  function newRefresh(grantId: string, familyId: string, parentId: string | null = null): NewRefreshToken {
    return {
      id: randomUUID(),
      tokenHash: unique('rt-hash-'),
      grantId,
      familyId,
      parentId,
      scope: ['mcp:tools', 'offline_access'],
      resource: RESOURCE,
      expiresAt: at(86_400_000),
      jkt: null,
    };
  }

  function newAccess(grantId: string | null, familyId: string | null, extra: Partial<NewAccessToken> = {}): NewAccessToken {
    return {
      jti: randomUUID(),
      kind: 'oauth',
      grantId,
      familyId,
      clientId: null,
      userId: null,
      kid: 'kid-1',
      scope: ['mcp:tools'],
      audience: RESOURCE,
      expiresAt: at(3_600_000),
      jkt: null,
      ...extra,
    };
  }

  function issued(grantId: string, familyId: string, parentId: string | null = null): IssuedTokens {
    return { accessToken: newAccess(grantId, familyId), refreshToken: newRefresh(grantId, familyId, parentId) };
  }

  /** A second "instance": its own connection (pool) to the same database. */
  async function withSecondInstance(run: (other: OAuthStore) => Promise<void>) {
    const otherDb = openDb(database.url);
    try {
      await run(createOAuthStore(otherDb));
    } finally {
      await otherDb.close();
    }
  }

  // -- clients -------------------------------------------------------------------

  describe('clients', () => {
    const input = (): NewClientRecord => ({
      id: randomUUID(),
      clientId: unique('cid_'),
      name: 'Claude Desktop',
      secretHash: 'secret-hash',
      redirectUris: ['https://app.example/cb', 'http://127.0.0.1/cb'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      scope: 'mcp:tools mcp:read',
      logoUri: 'https://app.example/logo.png',
      clientUri: 'https://app.example',
      applicationType: 'native',
      metadata: { client_name: 'Claude Desktop', software_id: 'x', nested: { a: [1, 2] } },
      source: 'dynamic',
      registrationAccessTokenHash: 'rat-hash',
      canIntrospect: true,
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
      jwksUri: null,
    });

    it('inserts a client with the ids the caller gave, and finds it by its public id only', async () => {
      const data = input();
      const inserted = await store.insertClient(data);
      expect(inserted).toEqual({ ...data, disabled: false, approvedAt: null, createdAt: expect.any(Date) });
      expect(await store.findClient(data.clientId)).toEqual(inserted);
      expect(await store.findClient(data.id)).toBeNull();
      expect(await store.findClient('nope')).toBeNull();
    });

    it('refuses a second client with the same client_id (P2002)', async () => {
      const data = input();
      await store.insertClient(data);
      await expect(store.insertClient({ ...input(), clientId: data.clientId })).rejects.toMatchObject({ code: 'P2002' });
    });

    it('updates only the fields given, lists and metadata included', async () => {
      const data = input();
      await store.insertClient(data);
      const updated = await store.updateClient(data.id, {
        name: 'Renamed',
        redirectUris: ['https://other.example/cb'],
        metadata: { client_name: 'Renamed' },
        secretHash: null,
        disabled: true,
        approvedAt: new Date('2026-12-04T10:00:00.000Z'),
        jwks: null,
        jwksUri: 'https://app.example/jwks.json',
      });
      expect(updated).toMatchObject({
        ...data,
        name: 'Renamed',
        redirectUris: ['https://other.example/cb'],
        metadata: { client_name: 'Renamed' },
        secretHash: null,
        disabled: true,
        approvedAt: new Date('2026-12-04T10:00:00.000Z'),
        jwks: null,
        jwksUri: 'https://app.example/jwks.json',
      });
      expect(await store.findClient(data.clientId)).toEqual(updated);
      await expect(store.updateClient('missing', { name: 'x' })).rejects.toMatchObject({ code: 'P2025' });
    });

    it('a client read once reflects every later change, made here or through another connection', async () => {
      const data = input();
      await store.insertClient(data);
      expect(await store.findClient(data.clientId)).toMatchObject({ name: 'Claude Desktop', disabled: false });
      // Another connection to the same database, as the CLI or a second instance would hold.
      const other = openDb(database.url);
      try {
        await other.prisma.client.update({ where: { id: data.id }, data: { name: 'Renamed elsewhere', redirectUris: JSON.stringify(['https://moved.example/cb']) } });
        expect(await store.findClient(data.clientId)).toMatchObject({ name: 'Renamed elsewhere', redirectUris: ['https://moved.example/cb'] });
        await other.prisma.client.update({ where: { id: data.id }, data: { disabled: true } });
        expect(await store.findClient(data.clientId)).toMatchObject({ disabled: true });
        await other.prisma.client.update({ where: { id: data.id }, data: { secretHash: 'rotated-hash', disabled: false } });
        expect(await store.findClient(data.clientId)).toMatchObject({ secretHash: 'rotated-hash', disabled: false });
        // An admin's approval (the console writes it through its own connection).
        const approvedAt = new Date('2026-12-04T10:00:00.000Z');
        await other.prisma.client.update({ where: { id: data.id }, data: { approvedAt, approvedBy: 'admin-id' } });
        expect(await store.findClient(data.clientId)).toMatchObject({ approvedAt });
        await other.prisma.client.update({ where: { id: data.id }, data: { approvedAt: null, approvedBy: null } });
        expect(await store.findClient(data.clientId)).toMatchObject({ approvedAt: null });
        await other.prisma.client.delete({ where: { id: data.id } });
        expect(await store.findClient(data.clientId)).toBeNull();
      } finally {
        await other.close();
      }
    });

    it('touchClient records when the client was last used', async () => {
      const client = await createClient(db);
      expect(await lastUsedAt(db, 'client', client.id)).toBeNull();
      await store.touchClient(client.id, at(5));
      expect(await lastUsedAt(db, 'client', client.id)).toEqual(at(5));
      await store.touchClient('missing', at(6)); // no error
    });

    it('deleteClient removes the client with its grants and tokens; a missing id is a no-op', async () => {
      const { client, grant } = await seedGrant();
      const code = newCode(grant.id);
      await store.insertAuthorizationCode(code);
      const refresh = newRefresh(grant.id, 'fam-del');
      await store.insertRefreshToken(refresh);
      const access = newAccess(grant.id, 'fam-del', { clientId: client.id });
      await store.insertAccessToken(access);

      await store.deleteClient(client.id);
      expect(await store.findClient(client.clientId)).toBeNull();
      expect(await store.findGrant(grant.id)).toBeNull();
      expect(await store.findAuthorizationCode(code.codeHash)).toBeNull();
      expect(await store.findRefreshToken(refresh.tokenHash)).toBeNull();
      expect(await store.findAccessToken(access.jti)).toBeNull();
      await store.deleteClient(client.id);
    });
  });

  // -- catalogue -----------------------------------------------------------------

  it('lists scopes by name with their tools parsed', async () => {
    await createScope(db, { name: 'mcp:write', description: 'Write', tools: ['create', 'delete'] });
    await createScope(db, { name: 'mcp:read', description: 'Read', tools: ['*'], isDefault: true });
    expect(await store.listScopes()).toEqual([
      { name: 'mcp:read', description: 'Read', tools: ['*'], isDefault: true },
      { name: 'mcp:write', description: 'Write', tools: ['create', 'delete'], isDefault: false },
    ]);
  });

  it('lists resource servers by URL with their scopes split', async () => {
    await createResourceServer(db, { url: 'https://b.example/mcp', name: 'B', scopes: ['mcp:read', 'mcp:write'] });
    await createResourceServer(db, { url: 'https://a.example/mcp', name: 'A', scopes: [] });
    expect(await store.listResourceServers()).toEqual([
      { url: 'https://a.example/mcp', name: 'A', scopes: [] },
      { url: 'https://b.example/mcp', name: 'B', scopes: ['mcp:read', 'mcp:write'] },
    ]);
  });

  // -- grants --------------------------------------------------------------------

  describe('grants', () => {
    it('saveGrant creates a grant that findActiveGrant and findGrant return', async () => {
      const { user, client, grant } = await seedGrant();
      expect(grant).toEqual({
        id: expect.any(String),
        userId: user.id,
        clientId: client.id,
        scope: ['mcp:tools', 'offline_access'],
        resource: RESOURCE,
        workspaceKeys: ['alpha'],
        createdAt: at(0),
        revokedAt: null,
      });
      expect(await store.findActiveGrant(user.id, client.id, RESOURCE)).toEqual(grant);
      expect(await store.findGrant(grant.id)).toEqual(grant);
      expect(await store.findGrant('missing')).toBeNull();
    });

    it('saveGrant then saveGrant keeps one active grant per (user, client, resource), replacing scope and workspaces', async () => {
      const { user, client, grant } = await seedGrant();
      const again = await store.saveGrant(
        { userId: user.id, clientId: client.id, scope: ['mcp:read'], resource: RESOURCE, workspaceKeys: ['beta', 'gamma'] },
        at(10),
      );
      expect(again).toEqual({ ...grant, scope: ['mcp:read'], workspaceKeys: ['beta', 'gamma'] });
      expect(await countRows(db, 'grant', { userId: user.id, clientId: client.id })).toBe(1);
      expect(await store.findActiveGrant(user.id, client.id, RESOURCE)).toEqual(again);
    });

    it('concurrent first consents, from this connection and another, leave one active grant', async () => {
      const user = await createUser(db);
      const client = await createClient(db);
      const other = openDb(database.url);
      try {
        const otherStore = createOAuthStore(other);
        const save = (s: OAuthStore, i: number) =>
          s.saveGrant({ userId: user.id, clientId: client.id, scope: ['mcp:tools'], resource: null, workspaceKeys: [`w${i}`] }, at(i));
        const saved = await Promise.all(Array.from({ length: 12 }, (_, i) => save(i % 2 && provider === 'postgresql' ? otherStore : store, i)));
        expect(new Set(saved.map((g) => g.id)).size).toBe(1);
        expect(await countRows(db, 'grant', { userId: user.id, clientId: client.id })).toBe(1);
      } finally {
        await other.close();
      }
    });

    it('matches the resource exactly, null included', async () => {
      const { user, client, grant } = await seedGrant(null);
      expect(grant.resource).toBeNull();
      expect(await store.findActiveGrant(user.id, client.id, null)).toEqual(grant);
      expect(await store.findActiveGrant(user.id, client.id, RESOURCE)).toBeNull();

      const withResource = await store.saveGrant(
        { userId: user.id, clientId: client.id, scope: ['mcp:tools'], resource: RESOURCE, workspaceKeys: [] },
        at(1),
      );
      expect(withResource.id).not.toBe(grant.id);
      expect(await store.findActiveGrant(user.id, client.id, null)).toEqual(grant);
      expect(await store.findActiveGrant(user.id, client.id, RESOURCE)).toEqual(withResource);
      expect(await store.findActiveGrant(user.id, client.id, 'https://mcp.example')).toBeNull();
      const other = await createClient(db);
      expect(await store.findActiveGrant(user.id, other.id, null)).toBeNull();
    });

    it('a revoked grant is not active, and saving again creates a new one', async () => {
      const { user, client, grant } = await seedGrant();
      await revokeGrant(db, grant.id, at(2));
      expect(await store.findActiveGrant(user.id, client.id, RESOURCE)).toBeNull();
      expect(await store.findGrant(grant.id)).toEqual({ ...grant, revokedAt: at(2) });

      const fresh = await store.saveGrant(
        { userId: user.id, clientId: client.id, scope: ['mcp:tools'], resource: RESOURCE, workspaceKeys: [] },
        at(3),
      );
      expect(fresh.id).not.toBe(grant.id);
      expect(fresh).toMatchObject({ createdAt: at(3), revokedAt: null, scope: ['mcp:tools'] });
      expect(await store.findActiveGrant(user.id, client.id, RESOURCE)).toEqual(fresh);
      expect((await store.findGrant(grant.id))!.revokedAt).toEqual(at(2));
    });

    it('touchGrant records when the grant was last used', async () => {
      const { grant } = await seedGrant();
      await store.touchGrant(grant.id, at(7));
      expect(await lastUsedAt(db, 'grant', grant.id)).toEqual(at(7));
    });
  });

  // -- authorization codes ---------------------------------------------------------

  describe('authorization codes', () => {




    it('redeemAuthorizationCode marks the code and stores the issued tokens in one go, once', async () => {
      const { grant } = await seedGrant();
      const code = newCode(grant.id);
      await store.insertAuthorizationCode(code);
      const first = issued(grant.id, 'fam-redeem');
      expect(await store.redeemAuthorizationCode(code.id, at(1), first)).toBe('redeemed');
      expect((await store.findAuthorizationCode(code.codeHash))!.redeemedAt).toEqual(at(1));
      expect(await store.findAccessToken(first.accessToken.jti)).toEqual({ ...first.accessToken, revokedAt: null });
      const { tokenHash, ...refresh } = first.refreshToken!;
      expect(await store.findRefreshToken(tokenHash)).toEqual({ ...refresh, rotatedAt: null, revokedAt: null, retryCipher: null });

      const second = issued(grant.id, 'fam-redeem');
      expect(await store.redeemAuthorizationCode(code.id, at(2), second)).toBe('already_redeemed');
      expect(await store.findAccessToken(second.accessToken.jti)).toBeNull();
      expect(await store.findRefreshToken(second.refreshToken!.tokenHash)).toBeNull();
      expect((await store.findAuthorizationCode(code.codeHash))!.redeemedAt).toEqual(at(1));
      expect(await store.redeemAuthorizationCode('missing', at(3), issued(grant.id, 'x'))).toBe('already_redeemed');
    });

    it('redeemAuthorizationCode without a refresh token stores the access token only', async () => {
      const { grant } = await seedGrant();
      const code = newCode(grant.id);
      await store.insertAuthorizationCode(code);
      const tokens = { accessToken: newAccess(grant.id, 'fam-no-rt'), refreshToken: null };
      expect(await store.redeemAuthorizationCode(code.id, at(1), tokens)).toBe('redeemed');
      expect(await countRows(db, 'accessToken', { familyId: 'fam-no-rt' })).toBe(1);
      expect(await countRows(db, 'refreshToken', { familyId: 'fam-no-rt' })).toBe(0);
    });

    it('a failed token insert rolls the redemption back', async () => {
      const { grant } = await seedGrant();
      const code = newCode(grant.id);
      await store.insertAuthorizationCode(code);
      const taken = newAccess(grant.id, null);
      await store.insertAccessToken(taken);
      const clash = { accessToken: { ...newAccess(grant.id, 'fam-clash'), jti: taken.jti }, refreshToken: null };
      await expect(store.redeemAuthorizationCode(code.id, at(1), clash)).rejects.toMatchObject({ code: 'P2002' });
      expect((await store.findAuthorizationCode(code.codeHash))!.redeemedAt).toBeNull();
      expect(await store.redeemAuthorizationCode(code.id, at(2), issued(grant.id, 'fam-clash'))).toBe('redeemed');
    });

    it('50 concurrent redemptions of one code: one redeemed, one set of tokens stored', async () => {
      const { grant } = await seedGrant();
      const code = newCode(grant.id);
      await store.insertAuthorizationCode(code);
      const family = unique('fam-');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.redeemAuthorizationCode(code.id, at(i), issued(grant.id, family))));
      expect(results.filter((r) => r === 'redeemed')).toHaveLength(1);
      expect(results.filter((r) => r === 'already_redeemed')).toHaveLength(49);
      expect(await countRows(db, 'accessToken', { familyId: family })).toBe(1);
      expect(await countRows(db, 'refreshToken', { familyId: family })).toBe(1);
    });

    it('a replay that revokes the family always catches the tokens of the winning redemption', async () => {
      const { grant } = await seedGrant();
      const code = newCode(grant.id);
      await store.insertAuthorizationCode(code);
      const family = unique('fam-');
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          if ((await store.redeemAuthorizationCode(code.id, at(i), issued(grant.id, family))) === 'already_redeemed') {
            await store.revokeFamily(family, 'code_replay', at(1000));
          }
        }),
      );
      expect(await countRows(db, 'accessToken', { familyId: family })).toBe(1);
      expect(await countRows(db, 'accessToken', { familyId: family, revokedAt: null })).toBe(0);
      expect(await countRows(db, 'refreshToken', { familyId: family, revokedAt: null })).toBe(0);
    });
  });

  // -- refresh tokens ----------------------------------------------------------------

  describe('refresh tokens', () => {





    it('rotateRefreshToken rotates a live token once, keeping the retry cipher and storing the successors', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const token = newRefresh(grant.id, family);
      await store.insertRefreshToken(token);
      const next = issued(grant.id, family, token.id);
      expect(await store.rotateRefreshToken(token.id, at(1), 'sealed', next)).toBe('rotated');
      expect(await store.findRefreshToken(token.tokenHash)).toMatchObject({ rotatedAt: at(1), revokedAt: null, retryCipher: 'sealed' });
      expect(await store.findRefreshToken(next.refreshToken!.tokenHash)).toMatchObject({ parentId: token.id, familyId: family, rotatedAt: null });
      expect(await store.findAccessToken(next.accessToken.jti)).toMatchObject({ familyId: family, revokedAt: null });

      const again = issued(grant.id, family, token.id);
      expect(await store.rotateRefreshToken(token.id, at(2), 'other', again)).toBe('already_rotated');
      expect(await store.findRefreshToken(again.refreshToken!.tokenHash)).toBeNull();
      expect(await store.findAccessToken(again.accessToken.jti)).toBeNull();
      expect((await store.findRefreshToken(token.tokenHash))!.retryCipher).toBe('sealed');
      expect(await store.rotateRefreshToken('missing', at(3), 'x', issued(grant.id, family))).toBe('already_rotated');
    });

    it('keeps the DPoP key a code, a refresh token and an access token are bound to, through insert, redemption and rotation', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const first = { ...newRefresh(grant.id, family), jkt: 'jkt-first' };
      await store.insertRefreshToken(first);
      expect(await store.findRefreshToken(first.tokenHash)).toMatchObject({ jkt: 'jkt-first' });
      const next: IssuedTokens = { accessToken: newAccess(grant.id, family, { jkt: 'jkt-first' }), refreshToken: { ...newRefresh(grant.id, family, first.id), jkt: 'jkt-first' } };
      expect(await store.rotateRefreshToken(first.id, at(1), null, next)).toBe('rotated');
      expect(await store.findRefreshToken(next.refreshToken!.tokenHash)).toMatchObject({ jkt: 'jkt-first' });
      expect(await store.findAccessToken(next.accessToken.jti)).toMatchObject({ jkt: 'jkt-first' });
      const code = { ...newCode(grant.id), dpopJkt: 'jkt-code' };
      await store.insertAuthorizationCode(code);
      expect(await store.findAuthorizationCode(code.codeHash)).toMatchObject({ dpopJkt: 'jkt-code' });
      const fromCode: IssuedTokens = { accessToken: newAccess(grant.id, code.id, { jkt: 'jkt-code' }), refreshToken: { ...newRefresh(grant.id, code.id), jkt: 'jkt-code' } };
      expect(await store.redeemAuthorizationCode(code.id, at(2), fromCode)).toBe('redeemed');
      expect(await store.findRefreshToken(fromCode.refreshToken!.tokenHash)).toMatchObject({ jkt: 'jkt-code' });
      expect(await store.findAccessToken(fromCode.accessToken.jti)).toMatchObject({ jkt: 'jkt-code' });
    });

    it('rotateRefreshToken without a retry record (no grace window) stores none', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const token = newRefresh(grant.id, family);
      await store.insertRefreshToken(token);
      expect(await store.rotateRefreshToken(token.id, at(1), null, issued(grant.id, family, token.id))).toBe('rotated');
      expect(await store.findRefreshToken(token.tokenHash)).toMatchObject({ rotatedAt: at(1), retryCipher: null });
    });

    it('revokeFamily drops the retry records of the family, and only of that family', async () => {
      const { grant } = await seedGrant();
      const [a, b] = [unique('fam-a-'), unique('fam-b-')];
      const a1 = newRefresh(grant.id, a);
      const b1 = newRefresh(grant.id, b);
      for (const t of [a1, b1]) await store.insertRefreshToken(t);
      await store.rotateRefreshToken(a1.id, at(1), 'sealed-a', issued(grant.id, a, a1.id));
      await store.rotateRefreshToken(b1.id, at(1), 'sealed-b', issued(grant.id, b, b1.id));
      await store.revokeFamily(a, 'reuse', at(2));
      expect((await store.findRefreshToken(a1.tokenHash))!.retryCipher).toBeNull();
      expect((await store.findRefreshToken(b1.tokenHash))!.retryCipher).toBe('sealed-b');
    });

    it('clearRefreshRetries drops the retry records of tokens rotated at or before the cutoff, and no others', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const old = newRefresh(grant.id, family);
      const recent = newRefresh(grant.id, unique('fam-'));
      for (const t of [old, recent]) await store.insertRefreshToken(t);
      await store.rotateRefreshToken(old.id, at(1_000), 'sealed-old', issued(grant.id, family, old.id));
      await store.rotateRefreshToken(recent.id, at(31_000), 'sealed-recent', issued(grant.id, recent.familyId, recent.id));
      expect(await store.clearRefreshRetries(at(30_999))).toBeGreaterThanOrEqual(1);
      expect(await store.findRefreshToken(old.tokenHash)).toMatchObject({ rotatedAt: at(1_000), retryCipher: null, revokedAt: null });
      expect((await store.findRefreshToken(recent.tokenHash))!.retryCipher).toBe('sealed-recent');
      expect(await store.clearRefreshRetries(at(31_000))).toBeGreaterThanOrEqual(1);
      expect((await store.findRefreshToken(recent.tokenHash))!.retryCipher).toBeNull();
    });

    it('rotateRefreshToken does not rotate a revoked token', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const token = newRefresh(grant.id, family);
      await store.insertRefreshToken(token);
      await store.revokeFamily(family, 'revoked', at(1));
      const next = issued(grant.id, family, token.id);
      expect(await store.rotateRefreshToken(token.id, at(2), 'sealed', next)).toBe('already_rotated');
      expect(await store.findRefreshToken(token.tokenHash)).toMatchObject({ rotatedAt: null, revokedAt: at(1), retryCipher: null });
      expect(await store.findAccessToken(next.accessToken.jti)).toBeNull();
    });

    it('50 concurrent rotations of one token: one rotated, one successor stored', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const token = newRefresh(grant.id, family);
      await store.insertRefreshToken(token);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.rotateRefreshToken(token.id, at(i), `sealed-${i}`, issued(grant.id, family, token.id))),
      );
      expect(results.filter((r) => r === 'rotated')).toHaveLength(1);
      const winner = results.indexOf('rotated');
      expect(await store.findRefreshToken(token.tokenHash)).toMatchObject({ rotatedAt: at(winner), retryCipher: `sealed-${winner}` });
      expect(await countRows(db, 'refreshToken', { familyId: family })).toBe(2);
      expect(await countRows(db, 'accessToken', { familyId: family })).toBe(1);
    });
  });

  // -- family revocation -----------------------------------------------------------------

  it('revokeFamily revokes every refresh and access token of that family only, with the reason', async () => {
    const { grant } = await seedGrant();
    const [a, b] = [unique('fam-a-'), unique('fam-b-')];
    const a1 = newRefresh(grant.id, a);
    const a2 = newRefresh(grant.id, a, a1.id);
    const b1 = newRefresh(grant.id, b);
    for (const t of [a1, a2, b1]) await store.insertRefreshToken(t);
    const aAccess = [newAccess(grant.id, a), newAccess(grant.id, a)];
    const bAccess = newAccess(grant.id, b);
    const unrelated = newAccess(grant.id, null);
    for (const t of [...aAccess, bAccess, unrelated]) await store.insertAccessToken(t);
    await store.revokeAccessToken(aAccess[1].jti, at(2)); // revoked before: keeps its time

    await store.revokeFamily(a, 'reuse', at(3));
    for (const t of [a1, a2]) expect(await refreshTokenRevocation(db, t.id), t.id).toEqual({ revokedAt: at(3), revokedReason: 'reuse' });
    expect((await store.findAccessToken(aAccess[0].jti))!.revokedAt).toEqual(at(3));
    expect((await store.findAccessToken(aAccess[1].jti))!.revokedAt).toEqual(at(2));
    // Family B and tokens without a family are untouched.
    expect(await refreshTokenRevocation(db, b1.id)).toEqual({ revokedAt: null, revokedReason: null });
    expect((await store.findAccessToken(bAccess.jti))!.revokedAt).toBeNull();
    expect((await store.findAccessToken(unrelated.jti))!.revokedAt).toBeNull();

    // Revoking again changes nothing: the first time and reason stand.
    await store.revokeFamily(a, 'grant_revoked', at(4));
    for (const t of [a1, a2]) expect(await refreshTokenRevocation(db, t.id), t.id).toEqual({ revokedAt: at(3), revokedReason: 'reuse' });
    expect((await store.findAccessToken(aAccess[0].jti))!.revokedAt).toEqual(at(3));
  });

  it('revokeFamily sets the reason it is given on live tokens', async () => {
    const { grant } = await seedGrant();
    const family = unique('fam-');
    const token = newRefresh(grant.id, family);
    await store.insertRefreshToken(token);
    const access = newAccess(grant.id, family);
    await store.insertAccessToken(access);
    await store.revokeFamily(family, 'code_replay', at(9));
    expect(await refreshTokenRevocation(db, token.id)).toEqual({ revokedAt: at(9), revokedReason: 'code_replay' });
    expect((await store.findAccessToken(access.jti))!.revokedAt).toEqual(at(9));
  });

  it('revokeFamily and revokeAccessToken record the event they are given with the revocation', async () => {
    const { grant } = await seedGrant();
    const family = unique('fam-');
    await store.insertRefreshToken(newRefresh(grant.id, family));
    const loose = newAccess(grant.id, null);
    await store.insertAccessToken(loose);
    await store.revokeFamily(family, 'revoked', at(5), { action: 'oauth.token_revoked', targetType: 'refresh_family', targetId: family });
    await store.revokeAccessToken(loose.jti, at(6), { action: 'oauth.token_revoked', targetType: 'access_token', targetId: loose.jti });
    const events = await listRecentAudit(db, { action: 'oauth.token_revoked' });
    expect(events.map((e) => e.target)).toEqual(
      expect.arrayContaining([
        { type: 'refresh_family', id: family },
        { type: 'access_token', id: loose.jti },
      ]),
    );
  });

  // -- access tokens -----------------------------------------------------------------------

  describe('access tokens', () => {
    it('stores, finds and revokes an access token; the first revocation time stands', async () => {
      const { user, client, grant } = await seedGrant();
      const token = newAccess(grant.id, 'fam-at', { clientId: client.id, userId: user.id, scope: ['mcp:tools', 'mcp:read'] });
      await store.insertAccessToken(token);
      expect(await store.findAccessToken(token.jti)).toEqual({ ...token, revokedAt: null });
      await store.revokeAccessToken(token.jti, at(1));
      await store.revokeAccessToken(token.jti, at(2));
      expect(await store.findAccessToken(token.jti)).toEqual({ ...token, revokedAt: at(1) });
      expect(await store.findAccessToken('missing')).toBeNull();
      await store.revokeAccessToken('missing', at(3)); // no error
    });

    it('writes made together are stored together, and one that fails takes only itself down', async () => {
      const { grant } = await seedGrant();
      const family = unique('fam-');
      const tokens = Array.from({ length: 5 }, () => newAccess(grant.id, family));
      const duplicate = { ...newAccess(grant.id, family), jti: tokens[2].jti };
      // Issued in one tick: on SQLite they share one commit, each in its own
      // savepoint, in the order they were made; on PostgreSQL the pool's
      // connections race, and either of the two with one jti may be the one refused.
      const outcomes = await Promise.allSettled([...tokens, duplicate].map((t) => store.insertAccessToken(t)));
      const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
      if (provider === 'sqlite') expect(refused).toEqual([5]);
      else expect([[2], [5]]).toContainEqual(refused);
      expect(outcomes[refused[0]]).toMatchObject({ status: 'rejected', reason: { code: 'P2002' } });
      const stored = refused[0] === 2 ? [...tokens.slice(0, 2), duplicate, ...tokens.slice(3)] : tokens;
      for (const t of stored) expect(await store.findAccessToken(t.jti)).toEqual({ ...t, revokedAt: null });
    });

    it.runIf(provider === 'sqlite')('a write waits for a lock held by another connection without blocking the thread', async () => {
      const { grant } = await seedGrant();
      const Database = (await import('better-sqlite3')).default;
      const other = new Database(database.url.replace(/^file:/, ''));
      other.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 5);
      const token = newAccess(grant.id, unique('fam-'));
      const stored = store.insertAccessToken(token);
      await new Promise((resolve) => setTimeout(resolve, 150));
      // The other connection still holds the write lock: nothing stored yet, and the event loop went on.
      expect(await store.findAccessToken(token.jti)).toBeNull();
      expect(ticks).toBeGreaterThan(5);
      other.exec('COMMIT');
      await stored;
      clearInterval(ticking);
      other.close();
      expect(await store.findAccessToken(token.jti)).toEqual({ ...token, revokedAt: null });
    });

    it('stores a client_credentials token without grant, family or user', async () => {
      const client = await createClient(db);
      const token = newAccess(null, null, { kind: 'client_credentials', clientId: client.id, scope: [] });
      await store.insertAccessToken(token);
      expect(await store.findAccessToken(token.jti)).toEqual({ ...token, revokedAt: null });
    });
  });

  // -- reach -------------------------------------------------------------------------------

  describe('reach', () => {
    it('a user reaches the workspaces of every active team they belong to, distinct and sorted', async () => {
      const owner = await createUser(db);
      const user = await createUser(db);
      const [w1, w2, w3, w4] = [await createWorkspace(db, unique('c_')), await createWorkspace(db, unique('a_')), await createWorkspace(db, unique('b_')), await createWorkspace(db)];
      const team1 = await createTeam(db, owner.id);
      const team2 = await createTeam(db, owner.id);
      const inactive = await createTeam(db, owner.id, { active: false });
      const notMine = await createTeam(db, owner.id);
      await assignWorkspace(db, team1.id, w1.id);
      await assignWorkspace(db, team1.id, w2.id);
      await assignWorkspace(db, team2.id, w2.id);
      await assignWorkspace(db, inactive.id, w3.id);
      await assignWorkspace(db, notMine.id, w4.id);
      for (const t of [team1, team2, inactive]) await addMember(db, t.id, user.id);

      expect(await store.listUserWorkspaces(user.id)).toEqual([w2.key, w1.key]);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([w2.key, w1.key]);
      expect(await store.listUserWorkspaces((await createUser(db)).id)).toEqual([]);
      expect(await store.activeUserWorkspaces((await createUser(db)).id)).toEqual([]);
    });

    it('leaving a team, or the team being deactivated, removes its workspaces at once', async () => {
      const owner = await createUser(db);
      const user = await createUser(db);
      const [wa, wb] = [await createWorkspace(db, unique('a_')), await createWorkspace(db, unique('b_'))];
      const ta = await createTeam(db, owner.id);
      const tb = await createTeam(db, owner.id);
      await assignWorkspace(db, ta.id, wa.id);
      await assignWorkspace(db, tb.id, wb.id);
      await addMember(db, ta.id, user.id);
      await addMember(db, tb.id, user.id);
      expect(await store.listUserWorkspaces(user.id)).toEqual([wa.key, wb.key]);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([wa.key, wb.key]);

      await removeMember(db, ta.id, user.id);
      expect(await store.listUserWorkspaces(user.id)).toEqual([wb.key]);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([wb.key]);
      await setTeamActive(db, tb.id, false);
      expect(await store.listUserWorkspaces(user.id)).toEqual([]);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([]);
      await setTeamActive(db, tb.id, true);
      expect(await store.listUserWorkspaces(user.id)).toEqual([wb.key]);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([wb.key]);
    });

    it("a team reaches its assigned workspaces, sorted; nothing when inactive or unknown", async () => {
      const owner = await createUser(db);
      const team = await createTeam(db, owner.id);
      const [wz, wy] = [await createWorkspace(db, unique('z_')), await createWorkspace(db, unique('y_'))];
      await assignWorkspace(db, team.id, wz.id);
      await assignWorkspace(db, team.id, wy.id);
      expect(await store.listTeamWorkspaces(team.id)).toEqual([wy.key, wz.key]);
      await setTeamActive(db, team.id, false);
      expect(await store.listTeamWorkspaces(team.id)).toEqual([]);
      expect(await store.listTeamWorkspaces('missing')).toEqual([]);
      const empty = await createTeam(db, owner.id);
      expect(await store.listTeamWorkspaces(empty.id)).toEqual([]);
    });

    it('activeUserWorkspaces: null for a disabled or unknown user', async () => {
      const owner = await createUser(db);
      const user = await createUser(db);
      const workspace = await createWorkspace(db, unique('d_'));
      const team = await createTeam(db, owner.id);
      await assignWorkspace(db, team.id, workspace.id);
      await addMember(db, team.id, user.id);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([workspace.key]);
      await setUserDisabled(db, user.id, true);
      expect(await store.activeUserWorkspaces(user.id)).toBeNull();
      await setUserDisabled(db, user.id, false);
      expect(await store.activeUserWorkspaces(user.id)).toEqual([workspace.key]);
      expect(await store.activeUserWorkspaces((await createUser(db, { disabled: true })).id)).toBeNull();
      expect(await store.activeUserWorkspaces('missing')).toBeNull();
    });
  });

  // -- personal and team tokens -------------------------------------------------------------

  describe('personal and team tokens', () => {
    it('finds a personal token by hash with its lists parsed, and records its use', async () => {
      const user = await createUser(db);
      const pat = await createPersonalToken(db, user.id, {
        name: 'laptop',
        workspaceKeys: ['alpha', 'beta'],
        tools: ['*'],
        expiresAt: at(1000),
        revokedAt: at(500),
      });
      expect(await store.findPersonalToken(pat.tokenHash)).toEqual({
        id: pat.id,
        name: 'laptop',
        userId: user.id,
        workspaceKeys: ['alpha', 'beta'],
        tools: ['*'],
        expiresAt: at(1000),
        revokedAt: at(500),
      });
      expect(await store.findPersonalToken('missing')).toBeNull();
      await store.touchPersonalToken(pat.id, at(8));
      expect(await lastUsedAt(db, 'personalToken', pat.id)).toEqual(at(8));
    });

    it('finds a team by the hash of its current token, tools parsed (null: every tool)', async () => {
      const owner = await createUser(db);
      const hash = unique('team-hash-');
      const team = await createTeam(db, owner.id, { tokenHash: hash, activeJti: unique('jti-'), tools: ['search', 'read'], tokenIssuedAt: at(4) });
      expect(await store.findTeamByTokenHash(hash)).toEqual({
        teamId: team.id,
        name: team.name,
        ownerId: owner.id,
        activeJti: expect.any(String),
        active: true,
        ownerDisabled: false,
        tools: ['search', 'read'],
        tokenIssuedAt: at(4),
      });
      await setUserDisabled(db, owner.id, true);
      expect(await store.findTeamByTokenHash(hash)).toMatchObject({ teamId: team.id, ownerDisabled: true });
      await setUserDisabled(db, owner.id, false);

      const allTools = unique('team-hash-');
      await createTeam(db, owner.id, { tokenHash: allTools, activeJti: unique('jti-'), tools: null, active: false });
      expect(await store.findTeamByTokenHash(allTools)).toMatchObject({ tools: null, active: false, tokenIssuedAt: null });

      expect(await store.findTeamByTokenHash('missing')).toBeNull();
      const noJti = unique('team-hash-');
      await createTeam(db, owner.id, { tokenHash: noJti, activeJti: null });
      expect(await store.findTeamByTokenHash(noJti)).toBeNull();
    });
  });

  // -- audit ---------------------------------------------------------------------------------

  it('records security events with the client, else the user, else the system as actor', async () => {
    await store.recordSecurityEvent({
      action: 'oauth.code_replayed',
      clientId: 'client-row-id',
      userId: 'user-id',
      targetType: 'grant',
      targetId: 'grant-id',
      ip: '203.0.113.7',
      userAgent: 'vitest',
      details: { familyId: 'fam-1' },
    });
    await store.recordSecurityEvent({ action: 'oauth.grant_created', userId: 'user-id', targetType: 'client' });
    await store.recordSecurityEvent({ action: 'oauth.client_auth_failed' });

    const [replayed] = await listRecentAudit(db, { action: 'oauth.code_replayed' });
    expect(replayed).toMatchObject({
      actor: { type: 'client', id: 'client-row-id' },
      action: 'oauth.code_replayed',
      target: { type: 'grant', id: 'grant-id' },
      ip: '203.0.113.7',
      userAgent: 'vitest',
      details: { familyId: 'fam-1' },
    });
    const [created] = await listRecentAudit(db, { action: 'oauth.grant_created' });
    // A target without an id is no target.
    expect(created).toMatchObject({ actor: { type: 'user', id: 'user-id' }, target: undefined, ip: null, details: {} });
    const [failed] = await listRecentAudit(db, { action: 'oauth.client_auth_failed' });
    expect(failed.actor).toEqual({ type: 'system', label: undefined });
  });
});
