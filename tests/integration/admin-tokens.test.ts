// The admin token list and revocation on both providers, over tokens
// the real protocol issued: every filter and the free-text search, keyset
// paging that neither skips nor repeats rows (equal timestamps across kinds,
// and short pages at the scan budget), revoking one of each kind and
// everything of a user, a client or a team — with the preview's counts equal
// to what was revoked — and introspection answering inactive right after.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, randomToken } from '../../lib/crypto.ts';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { listRecentAudit } from '../../lib/server/db/audit.ts';
import type { Db } from '../../lib/server/db/client.ts';
import { TOKEN_TYPES, type TokenType } from '../../lib/server/db/token-kinds.ts';
import { listTokens, type TokenFilter, type TokenListRow } from '../../lib/server/db/tokens-admin.ts';
import { previewBulkRevocation, revokeAllOf, revokeOne } from '../../lib/server/db/tokens-revoke.ts';
import { createPersonalToken } from '../../lib/server/tokens/create-personal-token.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';
import { createTeam, createUser as createUserRow } from '../helpers/factories.ts';
import {
  basicAuth,
  consentAndRedeem,
  createUser,
  postForm,
  startProtocolServer,
  type ProtocolServer,
} from '../helpers/protocol-server.ts';

const RESOURCE = 'https://mcp.example/';
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const ADMIN = { type: 'user', id: 'admin-under-test', label: 'admin@example.test' } as const;

type Tokens = { access_token: string; refresh_token: string };

/** Every page of a listing, following `next` to the end. */
async function allPages(db: Db, filter: TokenFilter, page: { limit?: number; budget?: number } = {}, now?: Date): Promise<TokenListRow[]> {
  const rows: TokenListRow[] = [];
  let after: string | undefined;
  for (let i = 0; i < 500; i++) {
    const result = await listTokens(db, filter, { ...page, after }, now);
    rows.push(...result.rows);
    if (!result.next) return rows;
    after = result.next;
  }
  throw new Error('the list did not end');
}

const keys = (rows: TokenListRow[]) => rows.map((r) => `${r.type}:${r.id}`);

describe.each(providers)('the admin token list over issued tokens on %s', (provider) => {
  let server: ProtocolServer;
  /** a second instance on the same database, without a reuse grace window */
  let strict: ProtocolServer;
  let rs: { clientId: string; secret: string };
  let alice: Awaited<ReturnType<typeof createUser>>;
  let bob: Awaited<ReturnType<typeof createUser>>;
  let claude: { id: string; clientId: string };
  let cursor: { id: string; clientId: string };
  const issued: Record<string, Tokens> = {};
  let rotatedFrom: Tokens;
  let reusedFamily: Tokens;
  let pat: { id: string; token: string };
  let team: { id: string; name: string; token: string };

  const introspect = async (token: string) => {
    const response = await postForm(server, '/oauth/introspect', { token }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(response.status).toBe(200);
    return (await response.json()) as { active: boolean; token_kind?: string };
  };
  const refresh = (target: ProtocolServer, clientId: string, token: string) => postForm(target, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token, client_id: clientId });

  async function authorize(user: { id: string; email: string; name: string | null }, clientId: string): Promise<Tokens> {
    return consentAndRedeem<Tokens>(server, user, { clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools offline_access', state: 'st', resource: RESOURCE, workspaces: [] });
  }

  beforeAll(async () => {
    server = await startProtocolServer({ provider });
    strict = await startProtocolServer({ url: server.databaseUrl, issuer: server.issuer, db: server.db, env: { GATEHOUSE_REFRESH_REUSE_GRACE: '0' } });
    const created = await createAdminClient(server.db, { name: 'Resource server', confidential: true, canIntrospect: true }, { type: 'system' });
    rs = { clientId: created.client.clientId, secret: created.clientSecret! };
    const a = await createAdminClient(server.db, { name: 'Claude Desktop', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scope: 'mcp:tools offline_access' }, { type: 'system' });
    const b = await createAdminClient(server.db, { name: 'Cursor IDE', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scope: 'mcp:tools offline_access' }, { type: 'system' });
    claude = { id: a.client.id, clientId: a.client.clientId };
    cursor = { id: b.client.id, clientId: b.client.clientId };
    alice = await createUser(server, { email: `alice-${randomUUID().slice(0, 8)}@example.test` });
    bob = await createUser(server, { email: `bob-${randomUUID().slice(0, 8)}@example.test` });

    issued.aliceClaude = await authorize(alice, claude.clientId);
    issued.aliceCursor = await authorize(alice, cursor.clientId);
    issued.bobClaude = await authorize(bob, claude.clientId);

    // Alice's Claude token rotates, and a retry inside the grace window gets the same answer.
    rotatedFrom = issued.aliceClaude;
    const first = await refresh(server, claude.clientId, rotatedFrom.refresh_token);
    expect(first.status).toBe(200);
    issued.aliceClaudeRotated = (await first.json()) as Tokens;
    expect((await refresh(server, claude.clientId, rotatedFrom.refresh_token)).status).toBe(200);

    // Bob's Claude family: rotated, then the old token is replayed without grace — the family is revoked.
    reusedFamily = issued.bobClaude;
    expect((await refresh(server, claude.clientId, reusedFamily.refresh_token)).status).toBe(200);
    expect((await refresh(strict, claude.clientId, reusedFamily.refresh_token)).status).toBe(400);

    const made = await createPersonalToken(server.db, alice, [], { name: 'laptop', workspaces: [], tools: '*', expiresInDays: 0 });
    if (!made.ok) throw new Error('personal token not created');
    pat = { id: made.id, token: made.token };

    const teamToken = randomToken('gh_team_');
    const t = await createTeam(server.db, alice.id, { tokenHash: hashToken(teamToken), activeJti: randomUUID(), tokenIssuedAt: new Date() });
    team = { id: t.id, name: t.name, token: teamToken };
  });
  afterAll(async () => {
    await strict?.stop();
    await server?.stop();
  });

  it('lists every kind newest first, with owners, clients and last use', async () => {
    const rows = await allPages(server.db, {}, { limit: 4 });
    const count = (type: TokenType) => rows.filter((r) => r.type === type).length;
    expect(count('grant')).toBe(3);
    expect(count('refresh')).toBe(5); // three issued, two successors
    expect(count('access')).toBe(5);
    expect(count('personal')).toBe(1);
    expect(count('team')).toBe(1);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].createdAt.getTime()).toBeGreaterThanOrEqual(rows[i].createdAt.getTime());
    const grant = rows.find((r) => r.type === 'grant' && r.user?.id === alice.id && r.client?.id === claude.id)!;
    expect(grant.user?.email).toBe(alice.email);
    expect(grant.client?.clientId).toBe(claude.clientId);
    expect(grant.lastUsedAt).toBeInstanceOf(Date);
    const teamRow = rows.find((r) => r.type === 'team')!;
    expect(teamRow).toMatchObject({ id: team.id, status: 'active', detail: team.name, team: { id: team.id, name: team.name } });
    const personal = rows.find((r) => r.type === 'personal')!;
    expect(personal).toMatchObject({ id: pat.id, status: 'active', detail: 'laptop', prefix: pat.token.slice(0, 13) });
  });

  it('tells grace-window retries apart from reuse that revoked the family', async () => {
    const refreshRows = await allPages(server.db, { type: 'refresh' });
    const retried = refreshRows.filter((r) => r.user?.id === alice.id && r.client?.id === claude.id);
    expect(retried).toHaveLength(2);
    for (const r of retried) expect(r.reuse).toMatchObject({ graceRetries: 1, familyRevoked: false });
    expect(retried.map((r) => r.status).sort()).toEqual(['active', 'rotated']);
    const stolen = refreshRows.filter((r) => r.user?.id === bob.id);
    expect(stolen).toHaveLength(2);
    for (const r of stolen) {
      expect(r.status).toBe('reused');
      expect(r.reuse?.familyRevoked).toBe(true);
    }
  });

  it('filters by kind and status', async () => {
    expect(keys(await allPages(server.db, { type: 'refresh', status: 'reused' })).length).toBe(2);
    expect((await allPages(server.db, { type: 'refresh', status: 'rotated' })).map((r) => r.user?.id)).toEqual([alice.id]);
    const activeRefresh = await allPages(server.db, { type: 'refresh', status: 'active' });
    expect(activeRefresh).toHaveLength(2); // alice/claude successor and alice/cursor
    // Bob's family revocation took his access tokens too.
    const revokedAccess = await allPages(server.db, { type: 'access', status: 'revoked' });
    expect(revokedAccess.every((r) => r.user?.id === bob.id)).toBe(true);
    expect(revokedAccess).toHaveLength(2);
    const later = new Date(Date.now() + 3_600_000);
    expect(await allPages(server.db, { type: 'access', status: 'expired' }, {}, later)).toHaveLength(3);
    expect(await allPages(server.db, { status: 'rotated' })).toHaveLength(1);
    expect((await allPages(server.db, { status: 'active' })).every((r) => r.status === 'active')).toBe(true);
  });

  it('filters by user (id, email or username), client (client_id, id or name) and team (id or name)', async () => {
    const byEmail = await allPages(server.db, { user: alice.email.toUpperCase() });
    expect(new Set(byEmail.map((r) => r.type))).toEqual(new Set(['grant', 'refresh', 'access', 'personal']));
    expect(byEmail.every((r) => r.user?.id === alice.id)).toBe(true);
    expect(keys(await allPages(server.db, { user: alice.id }))).toEqual(keys(byEmail));
    expect(keys(await allPages(server.db, { user: alice.username }))).toEqual(keys(byEmail));

    const byClient = await allPages(server.db, { client: claude.clientId });
    expect(byClient.every((r) => r.client?.id === claude.id)).toBe(true);
    expect(byClient.filter((r) => r.type === 'grant')).toHaveLength(2);
    expect(keys(await allPages(server.db, { client: 'Claude Desktop' }))).toEqual(keys(byClient));

    const both = await allPages(server.db, { user: alice.email, client: cursor.clientId });
    expect(both.map((r) => r.type).sort()).toEqual(['access', 'grant', 'refresh']);

    const byTeam = await allPages(server.db, { team: team.name });
    expect(keys(byTeam)).toEqual([`team:${team.id}`]);

    const missing = await listTokens(server.db, { user: 'nobody@example.test' });
    expect(missing).toMatchObject({ rows: [], unresolved: ['user'] });
  });

  it('searches by the start of an email, a client or team name, an id, or a pasted token', async () => {
    const byEmail = await allPages(server.db, { q: alice.email.slice(0, 10) });
    expect(byEmail.length).toBeGreaterThan(0);
    expect(byEmail.every((r) => r.user?.id === alice.id)).toBe(true);

    const byClientName = await listTokens(server.db, { q: 'claude' });
    expect(byClientName.resolved.search).toContain(`Claude Desktop (${claude.clientId})`);
    expect(byClientName.rows.every((r) => r.client?.id === claude.id)).toBe(true);

    expect(keys(await allPages(server.db, { q: pat.token }))).toEqual([`personal:${pat.id}`]);
    expect(keys(await allPages(server.db, { q: pat.token.slice(0, 13) }))).toEqual([`personal:${pat.id}`]);
    // What the page sends instead of a pasted token: its SHA-256, as stored.
    expect(keys(await allPages(server.db, { q: `sha256:${hashToken(pat.token)}` }))).toEqual([`personal:${pat.id}`]);
    expect(keys(await allPages(server.db, { q: team.token }))).toEqual([`team:${team.id}`]);
    const access = await allPages(server.db, { q: issued.aliceCursor.access_token });
    expect(access.map((r) => r.type)).toEqual(['access']);
    const byId = await allPages(server.db, { q: access[0].id.slice(0, 8) });
    expect(keys(byId)).toContain(`access:${access[0].id}`);
    expect(keys(await allPages(server.db, { q: issued.aliceCursor.refresh_token }))).toHaveLength(1);
    expect(await allPages(server.db, { q: 'zz-nothing-matches' })).toEqual([]);
  });

  it('revokes one of each kind, and introspection answers inactive at once', async () => {
    expect((await introspect(pat.token)).active).toBe(true);
    expect(await revokeOne(server.db, 'personal', pat.id, ADMIN)).toBe(true);
    expect((await introspect(pat.token)).active).toBe(false);
    expect(await revokeOne(server.db, 'personal', pat.id, ADMIN)).toBe(false);

    expect((await introspect(team.token)).active).toBe(true);
    expect(await revokeOne(server.db, 'team', team.id, ADMIN)).toBe(true);
    expect((await introspect(team.token)).active).toBe(false);
    const teamRow = (await listTokens(server.db, { team: team.id })).rows[0];
    expect(teamRow).toMatchObject({ type: 'team', status: 'revoked' });

    const [access] = await allPages(server.db, { q: issued.aliceClaudeRotated.access_token });
    expect((await introspect(issued.aliceClaudeRotated.access_token)).active).toBe(true);
    expect(await revokeOne(server.db, 'access', access.id, ADMIN)).toBe(true);
    expect((await introspect(issued.aliceClaudeRotated.access_token)).active).toBe(false);

    // A refresh token takes its family: the successor no longer refreshes.
    const [rt] = await allPages(server.db, { q: issued.aliceClaudeRotated.refresh_token });
    expect(await revokeOne(server.db, 'refresh', rt.id, ADMIN)).toBe(true);
    const refused = await refresh(server, claude.clientId, issued.aliceClaudeRotated.refresh_token);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toBe('invalid_grant');

    // A grant takes its tokens.
    const grant = (await allPages(server.db, { type: 'grant', user: alice.id, client: cursor.id }))[0];
    expect((await introspect(issued.aliceCursor.access_token)).active).toBe(true);
    expect(await revokeOne(server.db, 'grant', grant.id, ADMIN)).toBe(true);
    expect((await introspect(issued.aliceCursor.access_token)).active).toBe(false);
    expect((await refresh(server, cursor.clientId, issued.aliceCursor.refresh_token)).status).toBe(400);

    const events = await listRecentAudit(server.db, { action: 'token.revoked' });
    expect(events.filter((e) => e.details?.by === 'admin').map((e) => e.target?.type).sort()).toEqual(['access_token', 'personal_token', 'refresh_token', 'team_token']);
  });

  it('previews a bulk revocation of a user and revokes exactly that, in one audited step', async () => {
    const carol = await createUser(server, { email: `carol-${randomUUID().slice(0, 8)}@example.test` });
    const one = await authorize(carol, claude.clientId);
    const two = await authorize(carol, cursor.clientId);
    const made = await createPersonalToken(server.db, carol, [], { name: 'ci', workspaces: [], tools: '*', expiresInDays: 30 });
    if (!made.ok) throw new Error('personal token not created');

    const preview = await previewBulkRevocation(server.db, { owner: 'user', id: carol.id });
    expect(preview).toEqual({ grants: 2, refreshTokens: 2, accessTokens: 2, personalTokens: 1, teamTokens: 0 });
    const done = await revokeAllOf(server.db, { owner: 'user', id: carol.id }, ADMIN);
    expect(done).toEqual(preview);
    expect(await previewBulkRevocation(server.db, { owner: 'user', id: carol.id })).toEqual({ grants: 0, refreshTokens: 0, accessTokens: 0, personalTokens: 0, teamTokens: 0 });

    for (const token of [one.access_token, two.access_token, made.token]) expect((await introspect(token)).active).toBe(false);
    expect((await refresh(server, claude.clientId, one.refresh_token)).status).toBe(400);
    const [event] = await listRecentAudit(server.db, { action: 'tokens.bulk_revoked', limit: 1 });
    expect(event).toMatchObject({ target: { type: 'user', id: carol.id }, details: preview });
    expect((await allPages(server.db, { user: carol.id, status: 'active' }))).toEqual([]);
  });

  it('previews and revokes everything of a client, and of a team', async () => {
    const dave = await createUser(server, { email: `dave-${randomUUID().slice(0, 8)}@example.test` });
    const tokens = await authorize(dave, cursor.clientId);
    const preview = await previewBulkRevocation(server.db, { owner: 'client', id: cursor.id });
    expect(preview.grants).toBeGreaterThanOrEqual(1);
    expect(preview.personalTokens).toBe(0);
    expect(await revokeAllOf(server.db, { owner: 'client', id: cursor.id }, ADMIN)).toEqual(preview);
    expect((await introspect(tokens.access_token)).active).toBe(false);
    expect(await allPages(server.db, { client: cursor.id, status: 'active' })).toEqual([]);

    const teamToken = randomToken('gh_team_');
    const t = await createTeam(server.db, dave.id, { tokenHash: hashToken(teamToken), activeJti: randomUUID(), tokenIssuedAt: new Date() });
    const teamPreview = await previewBulkRevocation(server.db, { owner: 'team', id: t.id });
    expect(teamPreview).toEqual({ grants: 0, refreshTokens: 0, accessTokens: 0, personalTokens: 0, teamTokens: 1 });
    expect(await revokeAllOf(server.db, { owner: 'team', id: t.id }, ADMIN)).toEqual(teamPreview);
    expect((await introspect(teamToken)).active).toBe(false);
  });
});

describe.each(providers)('keyset paging of the token list on %s', (provider) => {
  let database: MigratedTestDatabase;
  let db: Db;
  const at = new Date(Date.UTC(2030, 0, 1));

  beforeAll(async () => {
    database = await openMigratedDatabase(provider);
    db = database.db;
    const user = await createUserRow(db);
    const client = await createAdminClient(db, { name: 'Pager', redirectUris: [REDIRECT_URI] }, { type: 'system' });
    // Seven rows of every kind created at the same millisecond, and some around them.
    for (let i = 0; i < 7; i++) {
      for (const createdAt of [at, new Date(at.getTime() - 1000 * (i + 1))]) {
        const grantId = randomUUID();
        await db.prisma.grant.create({ data: { id: grantId, userId: user.id, clientId: client.client.id, scope: 'mcp:tools', createdAt, revokedAt: i % 3 === 0 ? createdAt : null } });
        await db.prisma.refreshToken.create({ data: { id: randomUUID(), tokenHash: randomUUID(), grantId, familyId: randomUUID(), scope: 'mcp:tools', expiresAt: new Date(at.getTime() + 86_400_000), createdAt, revokedAt: i % 2 ? createdAt : null } });
        await db.prisma.accessToken.create({ data: { jti: randomUUID(), kind: 'oauth', grantId, userId: user.id, clientId: client.client.id, kid: 'k', scope: 'mcp:tools', audience: RESOURCE, expiresAt: new Date(at.getTime() + 900_000), createdAt } });
        await db.prisma.personalToken.create({ data: { id: randomUUID(), name: `pat ${i}`, prefix: `gh_pat_${i}`, tokenHash: randomUUID(), userId: user.id, createdAt, revokedAt: i % 4 === 0 ? createdAt : null } });
      }
    }
  });
  afterAll(() => database?.close());

  it('pages through equal timestamps across kinds without skipping or repeating a row', async () => {
    const everything = await allPages(db, {}, { limit: 100 });
    expect(everything).toHaveLength(14 * 4);
    for (const limit of [1, 3, 5, 7]) {
      const paged = await allPages(db, {}, { limit });
      expect(keys(paged)).toEqual(keys(everything));
    }
    // The tie order is (createdAt, id, kind) descending.
    const tied = everything.filter((r) => r.createdAt.getTime() === at.getTime());
    expect(tied).toHaveLength(28);
  });

  it('with a scan budget, short pages still add up to exactly the matching rows', async () => {
    const now = new Date(at.getTime() + 60_000);
    const filters = [{ status: 'revoked' }, { status: 'active' }, { type: 'refresh', status: 'revoked' }, { type: 'personal', status: 'active' }, { status: 'active', q: 'gh_pat_' }] as TokenFilter[];
    for (const filter of filters) {
      const exact = await allPages(db, filter, { limit: 100 }, now);
      const budgeted = await allPages(db, filter, { limit: 3, budget: 4 }, now);
      expect(keys(budgeted)).toEqual(keys(exact));
      expect(exact.every((r) => r.status === filter.status)).toBe(true);
    }
    // No personal token here expires: every budgeted page is empty, yet the list goes on to its end.
    const first = await listTokens(db, { status: 'expired', type: 'personal' }, { limit: 3, budget: 4 }, now);
    expect(first).toMatchObject({ rows: [], partial: true });
    expect(first.next).not.toBeNull();
    expect(await allPages(db, { status: 'expired', type: 'personal' }, { limit: 3, budget: 4 }, now)).toEqual([]);
  });

  it('ranks kinds after each other at one instant', async () => {
    const everything = await allPages(db, {}, { limit: 100 });
    for (let i = 1; i < everything.length; i++) {
      const [a, b] = [everything[i - 1], everything[i]];
      if (a.createdAt.getTime() === b.createdAt.getTime() && a.id === b.id) expect(TOKEN_TYPES.indexOf(a.type)).toBeGreaterThan(TOKEN_TYPES.indexOf(b.type));
    }
  });
});
