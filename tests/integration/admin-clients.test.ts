// The admin console's client management, on both providers, through the same
// functions the pages and the CLI call, with the protocol endpoints over HTTP
// to show the effects: the keyset list with search, filters and
// re-registration groups; creating and editing with registration's checks;
// rotating a secret (the old one stops at once); disabling (its tokens stop
// introspecting as active); revoking every grant; deleting with what goes; and
// pruning unused dynamic clients — never one with a live grant.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { pruneUnusedDynamicClients } from '../../lib/server/clients/prune-dynamic-clients.ts';
import { rotateClientSecret } from '../../lib/server/clients/rotate-client-secret.ts';
import { updateClient } from '../../lib/server/clients/update-client.ts';
import { listAuditEvents } from '../../lib/server/db/audit.ts';
import {
  countPrunableDynamicClients,
  deleteClientById,
  describeClientDeletion,
  findClientRowById,
  getClientDetails,
  listClientsPage,
  setClientDisabled,
} from '../../lib/server/db/clients.ts';
import { listActiveGrantsOfClient, revokeActiveGrantsOfClient } from '../../lib/server/db/client-grants.ts';
import { startDynamicClientPruning } from '../../lib/server/runtime/client-pruning.ts';
import { providers } from '../helpers/databases.ts';
import { dpopProof, newDpopKey } from '../helpers/dpop.ts';
import { countRows, createClient, setClientTimes, unique } from '../helpers/factories.ts';
import { authorizeThroughConsent, basicAuth, consentAndRedeem, createUser, pkcePair, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const ADMIN = { type: 'user', id: 'admin-1', label: 'admin@example.com' } as const;
const DAY = 86_400_000;

type Json = Record<string, unknown>;

describe.each(providers)('client administration on %s', (provider) => {
  let server: ProtocolServer;
  let rs: { clientId: string; secret: string };

  beforeAll(async () => {
    server = await startProtocolServer({ provider });
    const created = await createAdminClient(server.db, { name: 'Resource server', confidential: true, canIntrospect: true }, ADMIN);
    rs = { clientId: created.client.clientId, secret: created.clientSecret! };
  });
  afterAll(async () => {
    await server?.stop();
  });

  const db = () => server.db;
  const introspect = async (token: string) => {
    const response = await postForm(server, '/oauth/introspect', { token }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };
  const clientCredentials = (clientId: string, secret: string) => postForm(server, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basicAuth(clientId, secret) });
  const register = async (name: string, redirectUris = [REDIRECT_URI]) => {
    const response = await server.fetch('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: name, redirect_uris: redirectUris, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { client_id: string };
    return (await db().prisma.client.findUniqueOrThrow({ where: { clientId: body.client_id }, select: { id: true, clientId: true } }));
  };
  /** A user consents to the client and redeems the code: a live grant with refresh and access tokens. */
  const tokensOf = async (clientId: string) => {
    const user = await createUser(server);
    return consentAndRedeem(server, user, { clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools offline_access' });
  };
  const auditFor = async (clientId: string) => (await listAuditEvents(db(), { target: clientId }, { limit: 100 })).events.map((e) => e.action);

  it('lists newest first in keyset pages, searches name and client_id, filters source and status, and counts re-registrations', async () => {
    const tag = unique('List');
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createClient(db(), { name: `${tag} MCP`, source: 'dynamic', redirectUris: ['http://127.0.0.1:9/cb'] }));
    const other = await createClient(db(), { name: `${tag} Other`, source: 'admin' });
    await setClientDisabled(db(), other.id, true, ADMIN);
    // Distinct registration times (rows made within one millisecond would be ordered by id).
    const start = Date.now() - 60_000;
    for (const [i, c] of [...made, other].entries()) await setClientTimes(db(), c.id, { createdAt: new Date(start + i * 1000) });

    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listClientsPage(db(), { q: tag.toLowerCase() }, { after, limit: 2 });
      seen.push(...page.rows.map((r) => r.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual([other.id, ...made.map((c) => c.id).reverse()]);

    const byClientId = await listClientsPage(db(), { q: made[2].clientId });
    expect(byClientId.rows.map((r) => r.id)).toEqual([made[2].id]);

    const dynamic = await listClientsPage(db(), { q: tag, source: 'dynamic' });
    expect(dynamic.rows).toHaveLength(5);
    expect(dynamic.rows.every((r) => r.groupSize === 5 && r.source === 'dynamic' && !r.confidential)).toBe(true);
    const disabled = await listClientsPage(db(), { q: tag, status: 'disabled' });
    expect(disabled.rows.map((r) => [r.id, r.disabled, r.groupSize])).toEqual([[other.id, true, 1]]);
    expect((await listClientsPage(db(), { q: tag, status: 'active' })).rows).toHaveLength(5);

    const group = await listClientsPage(db(), { group: dynamic.rows[0].groupKey });
    expect(group.rows.map((r) => r.id).sort()).toEqual(made.map((c) => c.id).sort());
    expect((await listClientsPage(db(), { group: 'not-a-group-key' })).rows).toEqual([]);
    // The key names the group, not one of its clients: it still works when that client is gone.
    await deleteClientById(db(), dynamic.rows[0].id, ADMIN);
    expect((await listClientsPage(db(), { group: dynamic.rows[0].groupKey })).rows).toHaveLength(4);
  });

  it('shows last use and active grants in the list, and the grants on the client page', async () => {
    const client = await register(unique('Used client'));
    await tokensOf(client.clientId);
    const [row] = (await listClientsPage(db(), { q: client.clientId })).rows;
    expect(row.activeGrants).toBe(1);
    expect(row.lastUsedAt).toBeInstanceOf(Date);
    const { grants, total } = await listActiveGrantsOfClient(db(), client.id);
    expect(total).toBe(1);
    expect(grants[0].scope).toEqual(['mcp:tools', 'offline_access']);
  });

  it('creates public and confidential clients, refusing what registration refuses and unknown scopes', async () => {
    const pub = await createAdminClient(db(), { name: 'Desk app', redirectUris: ['http://localhost:5173/cb'], scope: 'mcp:tools  openid mcp:tools' }, ADMIN);
    expect(pub.clientSecret).toBeNull();
    expect(pub.client).toMatchObject({ tokenEndpointAuthMethod: 'none', scope: 'mcp:tools openid', grantTypes: ['authorization_code', 'refresh_token'] });
    expect(await auditFor(pub.client.clientId)).toEqual(['client.created']);

    for (const [input, message] of [
      [{ redirectUris: ['http://evil.example/cb'] }, /https/],
      [{ redirectUris: ['https://app.example/cb#frag'] }, /fragment/],
      [{ redirectUris: ['https://*.example/cb'] }, /wildcard/],
      [{ redirectUris: ['https://app.example/cb'], scope: 'mcp:nonsense' }, /unknown scope mcp:nonsense/],
      [{ grantTypes: ['client_credentials'] as const }, /confidential/],
    ] as const) {
      const error = await createAdminClient(db(), { name: 'Bad', ...input } as never, ADMIN).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZodError);
      expect((error as ZodError).issues.map((i) => i.message).join(' ')).toMatch(message);
    }
  });

  it('edits settings with the same checks, audited; a metadata-document client is not edited here', async () => {
    const { client } = await createAdminClient(db(), { name: 'Editable', redirectUris: ['https://app.example/cb'] }, ADMIN);
    const bad = await updateClient(db(), client.id, { name: ' ', redirectUris: ['http://evil.example/cb'], grantTypes: ['authorization_code'], scope: 'nope', canIntrospect: true }, ADMIN);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.fieldErrors).toMatchObject({ name: expect.any(String), redirectUris: expect.stringMatching(/https/), scope: expect.stringMatching(/unknown scope nope/), confidential: expect.any(String) });
    expect((await findClientRowById(db(), client.id))?.name).toBe('Editable');

    const ok = await updateClient(db(), client.id, { name: 'Edited', redirectUris: ['https://app.example/cb', 'http://127.0.0.1/cb'], grantTypes: ['authorization_code'], scope: 'mcp:tools', canIntrospect: false }, ADMIN);
    expect(ok).toEqual({ ok: true });
    expect(await findClientRowById(db(), client.id)).toMatchObject({ name: 'Edited', redirectUris: ['https://app.example/cb', 'http://127.0.0.1/cb'], grantTypes: ['authorization_code'], responseTypes: ['code'], scope: 'mcp:tools' });
    const [updated] = (await listAuditEvents(db(), { target: client.clientId, action: 'client.updated' })).events;
    expect(updated.details).toMatchObject({ changed: expect.arrayContaining(['name', 'redirectUris', 'grantTypes', 'scope']), name: 'Edited' });

    const cimd = await createClient(db(), { source: 'metadata_document', clientId: `https://${unique('app')}.example/client.json` });
    expect(await updateClient(db(), cimd.id, { name: 'X', redirectUris: ['https://app.example/cb'], grantTypes: ['authorization_code'], scope: '', canIntrospect: false }, ADMIN)).toMatchObject({ ok: false, message: expect.stringMatching(/metadata document/) });
  });

  it('a client created or edited to require DPoP-bound tokens is refused at the token endpoint without a proof, and gets DPoP tokens with one (RFC 9449 §5.2)', async () => {
    const key = await newDpopKey();
    const htu = `${server.issuer}/oauth/token`;
    const tokenWith = async (clientId: string, secret: string, proof?: string) => {
      const response = await postForm(server, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basicAuth(clientId, secret), ...(proof ? { dpop: proof } : {}) });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const expectBound = async (clientId: string, secret: string) => {
      expect(await tokenWith(clientId, secret)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
      const bound = await tokenWith(clientId, secret, await dpopProof(key, htu));
      expect(bound).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
      expect(await introspect(bound.body.access_token as string)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    };
    const machine = { confidential: true, grantTypes: ['client_credentials' as const], scope: 'mcp:tools' };

    const created = await createAdminClient(db(), { name: 'Bound machine', ...machine, dpopBound: true }, ADMIN);
    expect((await findClientRowById(db(), created.client.id))?.metadata).toEqual({ dpop_bound_access_tokens: true });
    expect((await getClientDetails(db(), created.client.id))?.dpopBound).toBe(true);
    await expectBound(created.client.clientId, created.clientSecret!);
    const [createdEvent] = (await listAuditEvents(db(), { target: created.client.clientId, action: 'client.created' })).events;
    expect(createdEvent.details).toMatchObject({ dpopBound: true });

    // Edited on: bound from then on; an edit that leaves the field out keeps it.
    const plain = await createAdminClient(db(), { name: 'Plain machine', ...machine }, ADMIN);
    expect(await tokenWith(plain.client.clientId, plain.clientSecret!)).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    const settings = { name: 'Plain machine', redirectUris: [], grantTypes: ['client_credentials' as const], scope: 'mcp:tools', canIntrospect: false };
    expect(await updateClient(db(), plain.client.id, { ...settings, dpopBound: true }, ADMIN)).toEqual({ ok: true });
    await expectBound(plain.client.clientId, plain.clientSecret!);
    const [edited] = (await listAuditEvents(db(), { target: plain.client.clientId, action: 'client.updated' })).events;
    expect(edited.details).toEqual({ changed: ['metadata'], metadata: { dpop_bound_access_tokens: true } });
    expect(await updateClient(db(), plain.client.id, { ...settings, name: 'Renamed machine' }, ADMIN)).toEqual({ ok: true });
    await expectBound(plain.client.clientId, plain.clientSecret!);

    // Edited off: bearer tokens again.
    expect(await updateClient(db(), plain.client.id, { ...settings, dpopBound: false }, ADMIN)).toEqual({ ok: true });
    expect((await findClientRowById(db(), plain.client.id))?.metadata).toEqual({});
    expect(await tokenWith(plain.client.clientId, plain.clientSecret!)).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
  });

  it('rotates a secret: the new one works for client_credentials at once, the old one gets invalid_client', async () => {
    const { client, clientSecret } = await createAdminClient(db(), { name: 'Rotating', confidential: true, scope: 'mcp:tools' }, ADMIN);
    expect((await clientCredentials(client.clientId, clientSecret!)).status).toBe(200);

    const rotated = await rotateClientSecret(db(), client.id, ADMIN);
    expect(rotated).toMatch(/^gh_cs_/);
    expect(rotated).not.toBe(clientSecret);
    const old = await clientCredentials(client.clientId, clientSecret!);
    expect(old.status).toBe(401);
    expect(((await old.json()) as Json).error).toBe('invalid_client');
    expect((await clientCredentials(client.clientId, rotated!)).status).toBe(200);
    expect((await getClientDetails(db(), client.id))?.secretRotatedAt).toBeInstanceOf(Date);
    expect(await auditFor(client.clientId)).toContain('client.secret_rotated');
    const stored = await db().prisma.client.findUniqueOrThrow({ where: { id: client.id } });
    expect(JSON.stringify(stored)).not.toContain(rotated!);
    const events = await listAuditEvents(db(), { target: client.clientId });
    expect(JSON.stringify(events)).not.toContain(rotated!);

    const pub = await createClient(db());
    expect(await rotateClientSecret(db(), pub.id, ADMIN)).toBeNull();
  });

  it('disabling a client stops its tokens introspecting as active, and enabling brings them back', async () => {
    const { client, clientSecret } = await createAdminClient(db(), { name: 'Switchable', confidential: true, redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scope: 'mcp:tools' }, ADMIN);
    const cc = (await (await clientCredentials(client.clientId, clientSecret!)).json()) as { access_token: string };
    const user = await createUser(server);
    const pkce = pkcePair();
    const { code } = await authorizeThroughConsent(server, user, { clientId: client.clientId, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge, scope: 'mcp:tools' });
    const redeemed = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier }, { authorization: basicAuth(client.clientId, clientSecret!) });
    const userToken = ((await redeemed.json()) as { access_token: string }).access_token;
    expect(await introspect(cc.access_token)).toMatchObject({ active: true });
    expect(await introspect(userToken)).toMatchObject({ active: true });

    expect(await setClientDisabled(db(), client.id, true, ADMIN)).toBe(true);
    expect(await setClientDisabled(db(), client.id, true, ADMIN)).toBe(false);
    expect(await introspect(cc.access_token)).toEqual({ active: false });
    expect(await introspect(userToken)).toEqual({ active: false });
    const refused = await clientCredentials(client.clientId, clientSecret!);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as Json).error).toBe('invalid_client');

    expect(await setClientDisabled(db(), client.id, false, ADMIN)).toBe(true);
    expect(await introspect(userToken)).toMatchObject({ active: true });
    expect(await auditFor(client.clientId)).toEqual(expect.arrayContaining(['client.disabled', 'client.enabled']));
  });

  it('revoking all grants of a client revokes their refresh and access tokens', async () => {
    const client = await register(unique('Revoked'));
    const first = await tokensOf(client.clientId);
    const second = await tokensOf(client.clientId);
    expect((await listActiveGrantsOfClient(db(), client.id)).total).toBe(2);

    expect(await revokeActiveGrantsOfClient(db(), client.id, ADMIN)).toBe(2);
    expect(await revokeActiveGrantsOfClient(db(), client.id, ADMIN)).toBe(0);
    expect((await listActiveGrantsOfClient(db(), client.id)).total).toBe(0);
    for (const t of [first, second]) {
      expect(await introspect(t.access_token)).toEqual({ active: false });
      const refresh = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: client.clientId });
      expect(((await refresh.json()) as Json).error).toBe('invalid_grant');
    }
    const [event] = (await listAuditEvents(db(), { target: client.clientId, action: 'client.grants_revoked' })).events;
    expect(event.details).toEqual({ grants: 2 });
  });

  it('deleting a client takes its grants and tokens with it, and says how many', async () => {
    const client = await register(unique('Doomed'));
    const tokens = await tokensOf(client.clientId);
    const impact = await describeClientDeletion(db(), client.id);
    expect(impact).toEqual({ grants: 1, activeGrants: 1, liveRefreshTokens: 1, liveAccessTokens: 1 });
    const grantIds = (await listActiveGrantsOfClient(db(), client.id)).grants.map((g) => g.id);

    expect(await deleteClientById(db(), client.id, ADMIN)).toEqual({ ...impact, blocked: false });
    expect(await deleteClientById(db(), client.id, ADMIN)).toBeNull();
    expect(await findClientRowById(db(), client.id)).toBeNull();
    expect(await countRows(db(), 'grant', { id: { in: grantIds } })).toBe(0);
    expect(await countRows(db(), 'refreshToken', { grantId: { in: grantIds } })).toBe(0);
    expect(await countRows(db(), 'accessToken', { grantId: { in: grantIds } })).toBe(0);
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    const [event] = (await listAuditEvents(db(), { target: client.clientId, action: 'client.deleted' })).events;
    expect(event.details).toMatchObject({ grants: 1, activeGrants: 1 });
  });

  it('prunes only unused dynamic clients without a live grant, and audits each', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 40 * DAY);
    const name = unique('Prune');
    const aged = async (opts: { source?: 'dynamic' | 'admin' | 'metadata_document'; lastUsedAt?: Date | null; createdAt?: Date } = {}) => {
      const c = await createClient(db(), { name, source: opts.source ?? 'dynamic', ...(opts.source === 'metadata_document' ? { clientId: `https://${unique('doc')}.example/c.json` } : {}) });
      await setClientTimes(db(), c.id, { createdAt: opts.createdAt ?? old, lastUsedAt: opts.lastUsedAt ?? null });
      return c;
    };
    const neverUsed = await aged();
    const usedLongAgo = await aged({ lastUsedAt: new Date(now.getTime() - 35 * DAY) });
    const usedRecently = await aged({ lastUsedAt: new Date(now.getTime() - 2 * DAY) });
    const young = await aged({ createdAt: new Date(now.getTime() - 2 * DAY) });
    const adminMade = await aged({ source: 'admin' });
    const document = await aged({ source: 'metadata_document' });
    // Dynamic, old and unused by its own lastUsedAt — but a user still holds a grant.
    const withLiveGrant = await register(name);
    await tokensOf(withLiveGrant.clientId);
    await setClientTimes(db(), withLiveGrant.id, { createdAt: old, lastUsedAt: old });
    // Its only grant was revoked: nothing live, so it goes.
    const withRevokedGrant = await register(name);
    await tokensOf(withRevokedGrant.clientId);
    await revokeActiveGrantsOfClient(db(), withRevokedGrant.id, ADMIN);
    await setClientTimes(db(), withRevokedGrant.id, { createdAt: old, lastUsedAt: old });

    const idleSeconds = 30 * 86400;
    const expected = [neverUsed.id, usedLongAgo.id, withRevokedGrant.id].sort();
    const kept = [usedRecently.id, young.id, adminMade.id, document.id, withLiveGrant.id];
    // Other tests of this suite leave no old dynamic clients behind, so the counts are this test's.
    expect(await pruneUnusedDynamicClients(db(), { idleSeconds, dryRun: true, actor: ADMIN, reason: 'manual', now })).toEqual({ count: 3, dryRun: true });
    expect(await countRows(db(), 'grant', { clientId: withRevokedGrant.id })).toBe(1);

    expect(await pruneUnusedDynamicClients(db(), { idleSeconds, actor: ADMIN, reason: 'manual', now })).toEqual({ count: 3, dryRun: false });
    for (const id of expected) expect(await findClientRowById(db(), id)).toBeNull();
    for (const id of kept) expect(await findClientRowById(db(), id)).not.toBeNull();
    expect((await listActiveGrantsOfClient(db(), withLiveGrant.id)).total).toBe(1);
    const pruned = (await listAuditEvents(db(), { action: 'client.pruned' }, { limit: 100 })).events;
    expect(pruned.map((e) => e.target?.id).sort()).toEqual(
      [neverUsed.clientId, usedLongAgo.clientId, withRevokedGrant.clientId].sort(),
    );
    expect(pruned.every((e) => e.actor.type === 'user' && e.details?.reason === 'manual')).toBe(true);
    expect(await countPrunableDynamicClients(db(), new Date(now.getTime() - idleSeconds * 1000))).toBe(0);
  });

  it.runIf(provider === 'postgresql')('a grant committed while a prune waits for its client keeps the client (row locks)', async () => {
    const c = await createClient(db(), { name: unique('Racing'), source: 'dynamic' });
    await setClientTimes(db(), c.id, { createdAt: new Date(Date.now() - 40 * DAY), lastUsedAt: null });
    const user = await createUser(server);
    // A consent in flight on another connection: the grant's foreign key holds a key-share lock on the client row.
    const other = new pg.Client({ connectionString: server.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO "Grant" (id, "userId", "clientId", scope) VALUES ($1, $2, $3, 'mcp:tools')`, [randomUUID(), user.id, c.id]);
      const pruning = pruneUnusedDynamicClients(db(), { idleSeconds: 30 * 86400, actor: ADMIN, reason: 'manual' });
      await new Promise((r) => setTimeout(r, 500));
      await other.query('COMMIT');
      await pruning;
    } finally {
      await other.end();
    }
    expect(await findClientRowById(db(), c.id)).not.toBeNull();
    expect((await listActiveGrantsOfClient(db(), c.id)).total).toBe(1);
  });

  it('the schedule prunes as the system actor', async () => {
    const c = await createClient(db(), { name: unique('Scheduled'), source: 'dynamic' });
    await setClientTimes(db(), c.id, { createdAt: new Date(Date.now() - 3 * DAY), lastUsedAt: null });
    const schedule = startDynamicClientPruning(db(), 86400, { firstRunDelayMs: 60_000 });
    try {
      // At least this one (the previous test's younger leftovers are old enough for a one-day idle period).
      expect(await schedule.runNow()).toBeGreaterThanOrEqual(1);
    } finally {
      schedule.stop();
    }
    expect(await findClientRowById(db(), c.id)).toBeNull();
    const [event] = (await listAuditEvents(db(), { target: c.clientId, action: 'client.pruned' })).events;
    expect(event.actor).toEqual({ type: 'system', label: 'scheduled prune' });
    expect(event.details).toMatchObject({ reason: 'schedule' });
  });
});
