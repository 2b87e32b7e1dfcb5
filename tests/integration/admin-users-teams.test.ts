// The admin console's users and teams against the real protocol server, on
// both databases: disabling a user revokes everything they hold in one
// transaction and every kind of their tokens introspects inactive at once;
// the last active admin stays one; a team token is issued, rotated (the old
// one inactive at once) and revoked, and its introspection follows the team's
// workspaces, members, status and owner as they are now (RFC 7662).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { listRecentAudit } from '../../lib/server/db/audit.ts';
import { setUserAdmin, type User } from '../../lib/server/db/users.ts';
import { createTeam } from '../../lib/server/teams/create-team.ts';
import { addMemberByEmail, makeMemberOwner, removeMember } from '../../lib/server/teams/team-members.ts';
import { changeTeamActive, changeTeamTools } from '../../lib/server/teams/team-settings.ts';
import { issueTeamToken, revokeTeamTokenByAdmin } from '../../lib/server/teams/team-token.ts';
import { assignWorkspace, unassignWorkspace } from '../../lib/server/teams/team-workspaces.ts';
import { createPersonalToken } from '../../lib/server/tokens/create-personal-token.ts';
import { setAdminFlagOfUser } from '../../lib/server/users/change-user-admin.ts';
import { disableUserByAdmin, enableUserByAdmin } from '../../lib/server/users/disable-user.ts';
import { listUsers, parseUserListParams } from '../../lib/server/users/list-users.ts';
import { listTeams, parseTeamListParams } from '../../lib/server/teams/list-teams.ts';
import { getUserOverview } from '../../lib/server/users/user-overview.ts';
import { signInExternalUser } from '../../lib/server/users/sign-in-external-user.ts';
import { providers } from '../helpers/databases.ts';
import { addMember, assignWorkspace as seedAssignment, countRows, createClient, createTeam as seedTeam, createWorkspace, unique } from '../helpers/factories.ts';
import { basicAuth, consentAndRedeem, createUser, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const RESOURCE = 'https://mcp.example/';
const REDIRECT_URI = 'https://app.example/callback';

type Json = Record<string, unknown>;

describe.each(providers)('admin users and teams on %s', (provider) => {
  let server: ProtocolServer;
  let admin: User;
  let rs: { clientId: string; secret: string };
  let clientId: string;

  beforeAll(async () => {
    server = await startProtocolServer({ provider });
    admin = await createUser(server);
    await setUserAdmin(server.db, admin.id, true);
    const created = await createAdminClient(server.db, { name: 'Resource server', confidential: true, canIntrospect: true }, { type: 'system' });
    rs = { clientId: created.client.clientId, secret: created.clientSecret! };
    clientId = (await createClient(server.db, { redirectUris: [REDIRECT_URI], scope: 'mcp:tools offline_access' })).clientId;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const introspect = async (token: string): Promise<Json> => {
    const response = await postForm(server, '/oauth/introspect', { token }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };

  /** A user in a team holding one workspace, with a consented grant, its JWT and refresh token, and a personal token. */
  async function userHoldingEverything() {
    const user = await createUser(server);
    const team = await seedTeam(server.db, user.id);
    await addMember(server.db, team.id, user.id, 'owner');
    const workspace = await createWorkspace(server.db);
    await seedAssignment(server.db, team.id, workspace.id);
    const tokens = await consentAndRedeem(server, user, { clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools offline_access', resource: RESOURCE, workspaces: [workspace.key] });
    const pat = await createPersonalToken(server.db, user, [workspace.key], { name: 'laptop', workspaces: [workspace.key], tools: '*', expiresInDays: 0 });
    if (!pat.ok) throw new Error('personal token not created');
    return { user, workspace, tokens, pat: pat.token };
  }

  it('disabling a user revokes grants, refresh and access tokens and personal tokens in one transaction, and every token introspects inactive', async () => {
    const { user, workspace, tokens, pat } = await userHoldingEverything();
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: user.id, workspaces: [workspace.key] });
    expect(await introspect(pat)).toMatchObject({ active: true, sub: user.id, token_kind: 'personal_token', workspaces: [workspace.key] });

    const result = await disableUserByAdmin(server.db, admin, user.id);
    expect(result).toMatchObject({ ok: true });
    expect(result.message).toContain('1 grant, 1 refresh token, 1 access token and 1 personal token');

    // Nothing of theirs is live any more…
    expect(await countRows(server.db, 'grant', { userId: user.id, revokedAt: null })).toBe(0);
    expect(await countRows(server.db, 'refreshToken', { grant: { userId: user.id }, revokedAt: null })).toBe(0);
    expect(await countRows(server.db, 'refreshToken', { grant: { userId: user.id }, revokedReason: 'user_disabled' })).toBe(1);
    expect(await countRows(server.db, 'accessToken', { userId: user.id, revokedAt: null })).toBe(0);
    const overview = await getUserOverview(server.db, user.id);
    expect(overview).toMatchObject({ user: { disabled: true }, grants: [], personalTokens: [], liveAccessTokens: 0 });
    // …revoked at one instant, the instant of the audit event written with them.
    const [event] = (await listRecentAudit(server.db, { action: 'user.disabled' })).filter((e) => e.target?.id === user.id);
    expect(event.details).toEqual({ revoked: { grants: 1, refreshTokens: 1, accessTokens: 1, personalTokens: 1 } });
    const at = event.at;
    expect(await countRows(server.db, 'grant', { userId: user.id, revokedAt: at })).toBe(1);
    expect(await countRows(server.db, 'accessToken', { userId: user.id, revokedAt: at })).toBe(1);
    expect(await countRows(server.db, 'refreshToken', { grant: { userId: user.id }, revokedAt: at })).toBe(1);

    // Through the real introspection endpoint and token endpoint.
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect(await introspect(pat)).toEqual({ active: false });
    const refresh = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as Json).error).toBe('invalid_grant');

    // A disabled user cannot sign in through the edge either.
    expect(await signInExternalUser(server.db, { email: user.email, username: user.username, groups: [] }, { adminEmails: [], adminGroups: [] })).toMatchObject({
      ok: false,
      reason: 'disabled',
    });

    // Enabling again restores the account, not what was revoked.
    expect(await enableUserByAdmin(server.db, admin, user.id)).toMatchObject({ ok: true });
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect(await introspect(pat)).toEqual({ active: false });
    expect((await listRecentAudit(server.db, { action: 'user.enabled' })).some((e) => e.target?.id === user.id)).toBe(true);
  });

  it('keeps the last active admin: no removing your own flag, no demoting or disabling the last one', async () => {
    const other = await createUser(server);
    // The only active admin cannot be demoted or disabled, whoever asks.
    expect(await setAdminFlagOfUser(server.db, other, admin.id, false)).toMatchObject({ ok: false, message: expect.stringContaining('last active admin') });
    expect(await disableUserByAdmin(server.db, other, admin.id)).toMatchObject({ ok: false, message: expect.stringContaining('last active admin') });
    expect(await getUserOverview(server.db, admin.id)).toMatchObject({ user: { isAdmin: true, disabled: false } });
    // Nor can an admin remove their own flag or disable themselves.
    expect(await setAdminFlagOfUser(server.db, admin, admin.id, false)).toMatchObject({ ok: false, message: expect.stringContaining('your own admin rights') });
    expect(await disableUserByAdmin(server.db, admin, admin.id)).toMatchObject({ ok: false, message: expect.stringContaining('your own account') });

    expect(await setAdminFlagOfUser(server.db, admin, other.id, true)).toMatchObject({ ok: true });
    // A disabled admin does not count as the remaining one.
    expect(await disableUserByAdmin(server.db, admin, other.id)).toMatchObject({ ok: true });
    expect(await setAdminFlagOfUser(server.db, other, admin.id, false)).toMatchObject({ ok: false });
    expect(await enableUserByAdmin(server.db, admin, other.id)).toMatchObject({ ok: true });
    expect(await setAdminFlagOfUser(server.db, other, admin.id, false)).toMatchObject({ ok: true });
    expect(await setAdminFlagOfUser(server.db, other, admin.id, true)).toMatchObject({ ok: true });

    // Two admins demoting each other at once: one of them stays an admin.
    const results = await Promise.allSettled([setAdminFlagOfUser(server.db, admin, other.id, false), setAdminFlagOfUser(server.db, other, admin.id, false)]);
    const admins = await listUsers(server.db, parseUserListParams({ role: 'admin', status: 'active' }));
    expect(admins.rows.filter((u) => u.id === admin.id || u.id === other.id)).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.ok)).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled' && !r.value.ok).map((r) => (r as PromiseFulfilledResult<{ message: string }>).value.message)).toEqual([
      expect.stringContaining('last active admin'),
    ]);
    // Restore: the admin of the other tests is an admin again.
    if (!(await getUserOverview(server.db, admin.id))!.user.isAdmin) await setAdminFlagOfUser(server.db, other, admin.id, true);
    const audit = await listRecentAudit(server.db, { action: 'user.demoted_admin' });
    expect(audit.length).toBeGreaterThan(0);
  });

  it('searches and pages users by email, username or name, with role and status filters', async () => {
    const tag = unique('srch');
    for (let i = 0; i < 27; i++) await createUser(server, { email: `${tag}-${String(i).padStart(2, '0')}@example.test` });
    const first = await listUsers(server.db, parseUserListParams({ q: tag.toUpperCase() }));
    expect(first.rows).toHaveLength(25);
    expect(first.next).toBeTruthy();
    const second = await listUsers(server.db, parseUserListParams({ q: tag, after: first.next }));
    expect(second.rows.map((u) => u.email)).toEqual([`${tag}-25@example.test`, `${tag}-26@example.test`]);
    expect(second.next).toBeNull();
    expect((await listUsers(server.db, parseUserListParams({ q: tag, role: 'admin' }))).rows).toEqual([]);
    // Malformed params read as no filter, never as an error.
    expect((await listUsers(server.db, parseUserListParams({ q: tag, role: 'root', after: '%%%' }))).rows).toHaveLength(25);
  });

  it('issues, rotates and revokes a team token; introspection follows the team as it is now', async () => {
    const owner = await createUser(server);
    const name = unique('Platform ');
    const created = await createTeam(server.db, admin, { name, ownerEmail: owner.email.toUpperCase() });
    expect(created).toMatchObject({ ok: true });
    const teamId = created.teamId!;
    expect(await createTeam(server.db, admin, { name, ownerEmail: owner.email })).toMatchObject({ ok: false, fieldErrors: { name: 'A team with this name exists' } });
    expect(await createTeam(server.db, admin, { name: unique('T'), ownerEmail: 'nobody@example.test' })).toMatchObject({ ok: false, fieldErrors: { ownerEmail: expect.stringContaining('No user') } });

    const first = await issueTeamToken(server.db, admin, teamId);
    expect(first.token).toMatch(/^gh_team_[A-Za-z0-9_-]{43}$/);
    expect(await introspect(first.token!)).toMatchObject({ active: true, sub: `team:${teamId}`, token_kind: 'team_token', workspaces: [], tools: ['*'] });

    // Workspace assignment shows at once.
    const alpha = await createWorkspace(server.db, unique('alpha_'));
    const beta = await createWorkspace(server.db, unique('beta_'));
    expect(await assignWorkspace(server.db, admin, teamId, alpha.id)).toMatchObject({ ok: true });
    expect(await assignWorkspace(server.db, admin, teamId, beta.id)).toMatchObject({ ok: true });
    expect(await assignWorkspace(server.db, admin, teamId, beta.id)).toMatchObject({ ok: false, fieldErrors: { workspaceId: 'Already assigned to this team.' } });
    expect((await introspect(first.token!)).workspaces).toEqual([alpha.key, beta.key].sort());
    expect(await unassignWorkspace(server.db, admin, teamId, alpha.id)).toMatchObject({ ok: true });
    expect((await introspect(first.token!)).workspaces).toEqual([beta.key]);
    expect(await changeTeamTools(server.db, admin, teamId, 'search_docs read_doc')).toMatchObject({ ok: true });
    expect((await introspect(first.token!)).tools).toEqual(['search_docs', 'read_doc']);
    expect(await changeTeamTools(server.db, admin, teamId, '  ')).toMatchObject({ ok: false });
    expect(await changeTeamTools(server.db, admin, teamId, '*')).toMatchObject({ ok: true });

    // Rotation: the previous token is inactive from that moment, the new one active.
    const second = await issueTeamToken(server.db, admin, teamId);
    expect(second.message).toContain('rotated');
    expect(await introspect(first.token!)).toEqual({ active: false });
    const live = await introspect(second.token!);
    expect(live).toMatchObject({ active: true, workspaces: [beta.key], tools: ['*'] });
    expect(live.jti).toBeTruthy();
    const rotatedEvent = (await listRecentAudit(server.db, { action: 'team.token_rotated' })).find((e) => e.target?.id === teamId);
    expect(rotatedEvent?.details?.jti).toBe(live.jti);
    expect(rotatedEvent?.details?.previousJti).toBeTruthy();
    expect(JSON.stringify(rotatedEvent)).not.toContain(second.token!.slice(12));

    // Deactivation: the token and the team's workspaces stop counting.
    const member = await createUser(server);
    expect(await addMemberByEmail(server.db, admin, teamId, member.email)).toMatchObject({ ok: true });
    const pat = await createPersonalToken(server.db, member, [beta.key], { name: 'cli', workspaces: [beta.key], tools: '*', expiresInDays: 0 });
    if (!pat.ok) throw new Error('personal token not created');
    expect((await introspect(pat.token)).workspaces).toEqual([beta.key]);
    expect(await changeTeamActive(server.db, admin, teamId, false)).toMatchObject({ ok: true });
    expect(await introspect(second.token!)).toEqual({ active: false });
    expect((await introspect(pat.token)).workspaces).toEqual([]);
    expect(await changeTeamActive(server.db, admin, teamId, true)).toMatchObject({ ok: true });
    expect(await introspect(second.token!)).toMatchObject({ active: true });
    expect((await introspect(pat.token)).workspaces).toEqual([beta.key]);

    // Leaving the team takes its workspaces away at once.
    expect(await removeMember(server.db, admin, teamId, member.id)).toMatchObject({ ok: true });
    expect((await introspect(pat.token)).workspaces).toEqual([]);

    // Revocation.
    expect(await revokeTeamTokenByAdmin(server.db, admin, teamId)).toMatchObject({ ok: true });
    expect(await introspect(second.token!)).toEqual({ active: false });
    expect(await revokeTeamTokenByAdmin(server.db, admin, teamId)).toMatchObject({ ok: false });
    const actions = (await listRecentAudit(server.db, { action: 'team.', limit: 200 })).filter((e) => e.target?.id === teamId).map((e) => e.action);
    for (const action of ['team.created', 'team.token_issued', 'team.token_rotated', 'team.workspace_assigned', 'team.workspace_unassigned', 'team.member_added', 'team.member_removed', 'team.deactivated', 'team.reactivated', 'team.token_revoked', 'team.tools_changed']) {
      expect(actions).toContain(action);
    }
  });

  it('a team token stops working while the team’s owner is disabled', async () => {
    const owner = await createUser(server);
    const member = await createUser(server);
    const { teamId } = await createTeam(server.db, admin, { name: unique('Owned '), ownerEmail: owner.email });
    expect(await addMemberByEmail(server.db, admin, teamId!, member.email)).toMatchObject({ ok: true });
    const { token } = await issueTeamToken(server.db, admin, teamId!);
    expect(await introspect(token!)).toMatchObject({ active: true, token_kind: 'team_token' });

    expect(await disableUserByAdmin(server.db, admin, owner.id)).toMatchObject({ ok: true });
    expect(await introspect(token!)).toEqual({ active: false });
    // Enabling the owner again, or handing the team to an enabled member, brings it back.
    expect(await enableUserByAdmin(server.db, admin, owner.id)).toMatchObject({ ok: true });
    expect(await introspect(token!)).toMatchObject({ active: true });
    expect(await disableUserByAdmin(server.db, admin, owner.id)).toMatchObject({ ok: true });
    expect(await introspect(token!)).toEqual({ active: false });
    expect(await makeMemberOwner(server.db, admin, teamId!, member.id)).toMatchObject({ ok: true });
    expect(await introspect(token!)).toMatchObject({ active: true, sub: `team:${teamId}` });
  });

  it('keeps the owner in the team; ownership moves only to a member', async () => {
    const owner = await createUser(server);
    const member = await createUser(server);
    const { teamId } = await createTeam(server.db, admin, { name: unique('Owners '), ownerEmail: owner.email });
    expect(await removeMember(server.db, admin, teamId!, owner.id)).toMatchObject({ ok: false, message: expect.stringContaining('owner cannot be removed') });
    expect(await makeMemberOwner(server.db, admin, teamId!, member.id)).toMatchObject({ ok: false });
    expect(await addMemberByEmail(server.db, admin, teamId!, member.email)).toMatchObject({ ok: true });
    expect(await addMemberByEmail(server.db, admin, teamId!, member.email)).toMatchObject({ ok: false, fieldErrors: { email: 'Already a member of this team.' } });
    expect(await addMemberByEmail(server.db, admin, teamId!, 'not an email')).toMatchObject({ ok: false, fieldErrors: { email: expect.any(String) } });
    expect(await makeMemberOwner(server.db, admin, teamId!, member.id)).toMatchObject({ ok: true });
    expect(await removeMember(server.db, admin, teamId!, owner.id)).toMatchObject({ ok: true });
    expect(await removeMember(server.db, admin, teamId!, member.id)).toMatchObject({ ok: false });

    const listed = await listTeams(server.db, parseTeamListParams({ q: 'owners' }));
    expect(listed.rows.find((t) => t.id === teamId)).toMatchObject({ ownerEmail: member.email, memberCount: 1, workspaceCount: 0, active: true, hasToken: false });
  });
});
