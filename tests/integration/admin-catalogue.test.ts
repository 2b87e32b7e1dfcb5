// What the admin console changes, on both providers: scopes (built-ins can't be
// renamed or deleted; a name in use can't be renamed; deleting takes it off the
// resource servers), resource servers (stored canonical, unique), the scope
// cache's invalidation, a user's change to what a grant shares, and the
// dashboard's live-token and auth-failure counts. Every change leaves an audit event.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventData, listRecentAudit } from '../../lib/server/db/audit.ts';
import { bucketStarts, countAuthFailures } from '../../lib/server/db/auth-failure-stats.ts';
import type { Db } from '../../lib/server/db/client.ts';
import { setGrantWorkspacesOfUser } from '../../lib/server/db/grants.ts';
import { createOAuthStore } from '../../lib/server/db/oauth-store.ts';
import { createResourceServer, deleteResourceServer, listResourceServersPage, updateResourceServer } from '../../lib/server/db/resource-servers.ts';
import { createScope, deleteScope, ensureBuiltInScopes, listScopesPage, scopeUsage, updateScope } from '../../lib/server/db/scopes.ts';
import { countEverything } from '../../lib/server/db/stats.ts';
import { invalidateCached } from '../../lib/server/oauth/cache-invalidation.ts';
import { withCachedScopes } from '../../lib/server/oauth/scope-cache.ts';
import { openMigratedDatabase, providers, type MigratedTestDatabase } from '../helpers/databases.ts';
import { createClient, createPersonalToken, createTeam, createUser, unique } from '../helpers/factories.ts';

const ADMIN = { type: 'user', id: 'admin-1', label: 'admin@example.test' } as const;
const INPUT = { description: 'Read documents', tools: ['search', 'fetch'], isDefault: false };

describe.each(providers)('admin catalogue on %s', (provider) => {
  let database: MigratedTestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await openMigratedDatabase(provider);
    db = database.db;
    await ensureBuiltInScopes(db);
  });
  afterAll(() => database?.close());

  it('creates, edits, renames and deletes scopes; built-ins keep their name and stay', async () => {
    const name = unique('docs:read');
    expect(await createScope(db, name, INPUT, ADMIN)).toBe('created');
    expect(await createScope(db, name, INPUT, ADMIN)).toBe('exists');
    expect((await listScopesPage(db, { q: name })).rows).toEqual([expect.objectContaining({ name, ...INPUT, builtIn: false })]);

    expect(await updateScope(db, name, { description: 'Read and search', tools: ['*'], isDefault: true }, ADMIN)).toBe('updated');
    const renamed = `${name}-v2`;
    expect(await updateScope(db, name, { description: 'Read and search', tools: ['*'], isDefault: true, newName: renamed }, ADMIN)).toBe('updated');
    expect((await listScopesPage(db, { q: renamed })).rows).toEqual([expect.objectContaining({ name: renamed, description: 'Read and search', tools: ['*'], isDefault: true })]);
    expect(await updateScope(db, 'no-such-scope', INPUT, ADMIN)).toBe('not_found');

    expect(await updateScope(db, 'openid', { description: 'Who you are', tools: [], isDefault: false, newName: 'oidc' }, ADMIN)).toBe('built_in_rename');
    expect(await updateScope(db, 'openid', { description: 'Who you are', tools: [], isDefault: false, newName: 'openid' }, ADMIN)).toBe('updated');
    expect(await deleteScope(db, 'openid', ADMIN)).toBe('built_in');
    // A restart keeps the admin's description of a built-in.
    await ensureBuiltInScopes(db);
    expect((await listScopesPage(db, { q: 'openid' })).rows[0]).toMatchObject({ name: 'openid', description: 'Who you are', builtIn: true });

    const actions = (await listRecentAudit(db, { action: 'scope.' })).map((e) => e.action);
    expect(actions.filter((a) => a === 'scope.updated')).toHaveLength(3);
    expect(actions).toContain('scope.created');
  });

  it('refuses to rename a scope in use, and deleting one takes it off resource servers', async () => {
    const name = unique('tickets:write');
    await createScope(db, name, INPUT, ADMIN);
    const server = await createResourceServer(db, { url: `https://${unique('rs')}.example/mcp`, name: 'Tickets', scopes: [name, 'openid'] }, ADMIN);
    if (!server.ok) throw new Error('not created');
    const user = await createUser(db);
    const client = await createClient(db, { scope: `openid ${name}` });
    await createOAuthStore(db).saveGrant({ userId: user.id, clientId: client.id, scope: ['openid', name], resource: null, workspaceKeys: [] }, new Date());
    // A name that merely starts with it is not a use.
    await createScope(db, `${name}x`, INPUT, ADMIN);
    expect(await scopeUsage(db, name)).toEqual({ activeGrants: 1, clients: 1, resourceServers: 1 });
    expect(await scopeUsage(db, `${name}x`)).toEqual({ activeGrants: 0, clients: 0, resourceServers: 0 });

    expect(await updateScope(db, name, { ...INPUT, newName: `${name}-new` }, ADMIN)).toBe('in_use');
    expect(await deleteScope(db, name, ADMIN)).toBe('deleted');
    expect(await deleteScope(db, name, ADMIN)).toBe('not_found');
    expect((await listResourceServersPage(db, { q: 'Tickets' })).rows[0].scopes).toEqual(['openid']);
    expect((await listRecentAudit(db, { action: 'scope.deleted' }))[0]).toMatchObject({ target: { id: name }, details: { resourceServersUpdated: 1 } });
  });

  it('stores resource servers canonical and unique; edits and deletes them', async () => {
    const host = unique('docs');
    const created = await createResourceServer(db, { url: `HTTPS://${host.toUpperCase()}.Example/MCP`, name: 'Docs', scopes: [] }, ADMIN);
    if (!created.ok) throw new Error('not created');
    const url = `https://${host}.example/MCP`;
    expect((await listResourceServersPage(db, { q: host })).rows).toEqual([expect.objectContaining({ id: created.id, url, name: 'Docs' })]);
    expect(await createResourceServer(db, { url: `https://${host}.EXAMPLE/MCP`, name: 'Again', scopes: [] }, ADMIN)).toEqual({ ok: false, reason: 'exists' });
    // The path is case-sensitive (RFC 3986 §6.2.2.1): another server.
    const other = await createResourceServer(db, { url: `https://${host}.example/mcp`, name: 'Other', scopes: [] }, ADMIN);
    expect(other.ok).toBe(true);
    if (!other.ok) return;
    expect(await updateResourceServer(db, other.id, { url, name: 'Clash', scopes: [] }, ADMIN)).toBe('exists');
    expect(await updateResourceServer(db, other.id, { url: `https://${host}.example/v2`, name: 'Docs v2', scopes: ['openid'] }, ADMIN)).toBe('updated');
    expect(await updateResourceServer(db, randomUUID(), { url: 'https://x.example/', name: 'x', scopes: [] }, ADMIN)).toBe('not_found');

    // The protocol sees what the admin registered.
    expect((await createOAuthStore(db).listResourceServers()).map((s) => s.url)).toEqual(expect.arrayContaining([url, `https://${host}.example/v2`]));

    const remaining = await db.prisma.resourceServer.count();
    expect(await deleteResourceServer(db, other.id, ADMIN)).toEqual({ ok: true, remaining: remaining - 1 });
    expect(await deleteResourceServer(db, other.id, ADMIN)).toEqual({ ok: false });
    const actions = (await listRecentAudit(db, { action: 'resource_server.' })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['resource_server.created', 'resource_server.updated', 'resource_server.deleted']));
  });

  it('pages the scope list by name with a cursor', async () => {
    const prefix = unique('paged');
    for (let i = 0; i < 5; i++) await createScope(db, `${prefix}:s${i}`, INPUT, ADMIN);
    const first = await listScopesPage(db, { q: prefix, limit: 3 });
    expect(first.rows.map((r) => r.name)).toEqual([0, 1, 2].map((i) => `${prefix}:s${i}`));
    const second = await listScopesPage(db, { q: prefix, limit: 3, after: first.next! });
    expect(second.rows.map((r) => r.name)).toEqual([3, 4].map((i) => `${prefix}:s${i}`));
    expect(second.next).toBeNull();
  });

  it('serves scopes from a short cache that a change in this process drops at once', async () => {
    let clock = 0;
    const store = withCachedScopes(db, createOAuthStore(db), () => clock);
    const before = (await store.listScopes()).map((s) => s.name);
    const name = unique('cached:scope');
    await createScope(db, name, INPUT, ADMIN);
    expect((await store.listScopes()).map((s) => s.name)).toEqual(before);
    invalidateCached(db, 'scopes');
    expect((await store.listScopes()).map((s) => s.name)).toContain(name);
    // Another instance's change arrives when the copy expires.
    const other = unique('other:scope');
    await db.prisma.scope.create({ data: { name: other, description: 'elsewhere', tools: '[]' } });
    expect((await store.listScopes()).map((s) => s.name)).not.toContain(other);
    clock += 5_001;
    expect((await store.listScopes()).map((s) => s.name)).toContain(other);
  });

  it('changes what a grant shares, only for its owner, audited', async () => {
    const [owner, stranger] = [await createUser(db), await createUser(db)];
    const client = await createClient(db);
    const grant = await createOAuthStore(db).saveGrant({ userId: owner.id, clientId: client.id, scope: ['openid'], resource: null, workspaceKeys: ['a'] }, new Date());
    expect(await setGrantWorkspacesOfUser(db, stranger.id, grant.id, ['b'])).toBe(false);
    expect(await setGrantWorkspacesOfUser(db, owner.id, grant.id, ['b', 'c'])).toBe(true);
    expect((await createOAuthStore(db).findGrant(grant.id))?.workspaceKeys).toEqual(['b', 'c']);
    expect((await listRecentAudit(db, { action: 'grant.workspaces_changed' }))[0]).toMatchObject({
      actor: { type: 'user', id: owner.id },
      target: { type: 'grant', id: grant.id },
      details: { before: ['a'], after: ['b', 'c'] },
    });
    await db.prisma.grant.update({ where: { id: grant.id }, data: { revokedAt: new Date() } });
    expect(await setGrantWorkspacesOfUser(db, owner.id, grant.id, [])).toBe(false);
  });

  it('counts live tokens of every kind and auth failures by reason per bucket', async () => {
    const now = new Date();
    const start = await countEverything(db, now);
    const user = await createUser(db);
    const client = await createClient(db);
    const grant = await createOAuthStore(db).saveGrant({ userId: user.id, clientId: client.id, scope: [], resource: null, workspaceKeys: [] }, now);
    const later = new Date(now.getTime() + 600_000);
    const earlier = new Date(now.getTime() - 1_000);
    const access = (expiresAt: Date, revokedAt: Date | null = null) =>
      db.prisma.accessToken.create({ data: { jti: randomUUID(), kind: 'oauth', grantId: grant.id, kid: 'k', scope: '', audience: 'a', expiresAt, revokedAt } });
    await access(later);
    await access(earlier);
    await access(later, now);
    const refresh = (data: { expiresAt: Date; rotatedAt?: Date }) =>
      db.prisma.refreshToken.create({ data: { id: randomUUID(), tokenHash: randomUUID(), grantId: grant.id, familyId: 'f', scope: '', ...data } });
    await refresh({ expiresAt: later });
    await refresh({ expiresAt: later, rotatedAt: now });
    await createPersonalToken(db, user.id, { expiresAt: null });
    await createPersonalToken(db, user.id, { expiresAt: earlier });
    await createTeam(db, user.id, { tokenHash: randomUUID(), activeJti: randomUUID() });
    await createTeam(db, user.id, { active: false, tokenHash: randomUUID(), activeJti: randomUUID() });
    const after = await countEverything(db, now);
    expect({
      access: after.liveTokens.access - start.liveTokens.access,
      refresh: after.liveTokens.refresh - start.liveTokens.refresh,
      personal: after.liveTokens.personal - start.liveTokens.personal,
      team: after.liveTokens.team - start.liveTokens.team,
      total: after.liveTokens.total - start.liveTokens.total,
    }).toEqual({ access: 1, refresh: 1, personal: 1, team: 1, total: 4 });

    // Failures: two buckets of the 24-hour chart, a grace retry that is not one, and an event outside the window.
    const at = new Date(Date.UTC(2026, 10, 25, 12, 30));
    const event = (action: string, when: Date, details: Record<string, unknown> = {}) =>
      db.prisma.auditEvent.create({ data: auditEventData({ actor: { type: 'system' }, action, details }, when) });
    await event('oauth.client_auth_failed', at);
    await event('oauth.client_auth_failed', new Date(at.getTime() + 60_000));
    await event('oauth.code_replayed', new Date(at.getTime() - 3_600_000));
    await event('oauth.refresh_reused', at, { outcome: 'grace_retry' });
    await event('oauth.refresh_reused', at, { outcome: 'family_revoked' });
    await event('user.local_login_failed', new Date(at.getTime() - 25 * 3_600_000));
    await event('oauth.grant_created', at);
    const series = await countAuthFailures(db, '24h', at);
    expect(series.buckets).toHaveLength(24);
    expect(series.buckets.map((b) => b.start)).toEqual(bucketStarts('24h', at));
    expect(series.buckets.at(-1)).toMatchObject({ start: new Date(Date.UTC(2026, 10, 25, 12)), total: 3 });
    expect(series.buckets.at(-1)!.counts).toMatchObject({ 'oauth.client_auth_failed': 2, 'oauth.refresh_reused': 1 });
    expect(series.buckets.at(-2)!.counts['oauth.code_replayed']).toBe(1);
    expect(series.totals).toMatchObject({ 'oauth.client_auth_failed': 2, 'oauth.code_replayed': 1, 'oauth.refresh_reused': 1, 'user.local_login_failed': 0 });
    expect(series.total).toBe(4);
    const daily = await countAuthFailures(db, '14d', at);
    expect(daily.buckets).toHaveLength(14);
    expect(daily.totals['user.local_login_failed']).toBe(1);
    expect(daily.total).toBe(5);
  });
});
