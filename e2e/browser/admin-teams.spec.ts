// Admin: teams — create with an owner, add and remove members,
// hand ownership over, assign and unassign workspaces, set the token's tools,
// deactivate; the team token is issued, rotated and revoked, and the real
// introspection endpoint (RFC 7662) answers with the team as it is now.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { provisionUser } from '../fixtures/demo-server';
import { recordIssuedSecret } from '../fixtures/issued-secrets';
import { anonymousApi, basicAuthorization, introspectionClientFromCli, signedInApi, unique, uniqueEmail } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { callServerAction, serverActionsOf } from '../fixtures/server-actions';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

async function adminPage(browser: Browser) {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  return { context, page: await context.newPage() };
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const api = await anonymousApi();
  const rs = await introspectionClientFromCli();
  const res = await api.post('/oauth/introspect', { form: { token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } });
  expect(res.status()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Creates a workspace through the workspaces page, as an admin would. */
async function createWorkspace(page: Page, key: string): Promise<void> {
  await page.goto('/admin/workspaces');
  const form = page.getByRole('form', { name: 'Create a workspace' });
  await form.getByLabel('Key').fill(key);
  await form.getByLabel('Name').fill(`Workspace ${key}`);
  await form.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'created' })).toBeVisible();
}

/** Creates a team on the teams page and opens it; returns its id. */
async function createTeam(page: Page, name: string, ownerEmail: string): Promise<string> {
  await page.goto('/admin/teams');
  const form = page.getByRole('form', { name: 'Create a team' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Owner email').fill(ownerEmail);
  await form.getByRole('button', { name: 'Create team' }).click();
  await page.getByRole('link', { name: 'Open the team' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  return new URL(page.url()).pathname.split('/').at(-1)!;
}

test('an admin creates a team and manages its members, workspaces and tools', async ({ browser }) => {
  const owner = uniqueEmail('owner');
  const member = uniqueEmail('member');
  await provisionUser(owner);
  await provisionUser(member);
  const key = `ws_${Date.now().toString(36)}`;
  const name = unique('Platform');
  const { context, page } = await adminPage(browser);
  await createWorkspace(page, key);

  await page.goto('/admin');
  await page.getByRole('link', { name: 'Teams' }).click();
  const form = page.getByRole('form', { name: 'Create a team' });
  // The owner must be an existing user; what was typed stays.
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Owner email').fill('nobody-here@example.com');
  await form.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByText('No user has this email')).toBeVisible();
  await expect(form.getByLabel('Name')).toHaveValue(name);
  await form.getByLabel('Owner email').fill(owner);
  await form.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Team ${name} created.` })).toBeVisible();
  // The list follows at once, with counts.
  const row = page.getByTestId('team-row').filter({ hasText: name });
  await expect(row.getByTestId('member-count')).toHaveText('1');
  await expect(row.getByTestId('workspace-count')).toHaveText('0');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Owner email').fill(owner);
  await form.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByText('A team with this name exists')).toBeVisible();
  await page.getByLabel('Search teams').fill(name.toUpperCase());
  await expect(page).toHaveURL(/q=PLATFORM/);
  await expect(page.getByTestId('team-row')).toHaveCount(1);
  await page.getByLabel('Status').selectOption('inactive');
  await expect(page.getByText('No team matches')).toBeVisible();
  await page.getByLabel('Status').selectOption('active');
  await expect(page.getByTestId('team-row')).toHaveCount(1);
  await screenshotAndAxe(page, 'admin-teams');

  await page.getByTestId('team-row').getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const members = page.getByTestId('member-row');
  await expect(members).toHaveCount(1);
  await expect(members.first()).toContainText('owner');

  // Members: only existing users; the owner cannot be removed.
  const add = page.getByRole('form', { name: 'Add a member' });
  await add.getByLabel('Member email').fill('ghost@example.com');
  await add.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByText('No user has this email')).toBeVisible();
  await add.getByLabel('Member email').fill(member);
  await add.getByRole('button', { name: 'Add member' }).click();
  await expect(members).toHaveCount(2);
  await expect(members.filter({ hasText: owner })).toContainText('The owner stays a member.');

  // Ownership moves to the member; then the former owner can be removed.
  await members.filter({ hasText: member }).getByRole('button', { name: 'Make owner' }).click();
  await page.getByRole('button', { name: 'Confirm new owner' }).click();
  await expect(members.filter({ hasText: member })).toContainText('owner');
  await expect(page.getByText(`Owned by ${member}`)).toBeVisible();
  await members.filter({ hasText: owner }).getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('button', { name: 'Confirm removing' }).click();
  await expect(members).toHaveCount(1);

  // Workspaces: assign from the existing ones, unassign with a confirmation.
  await page.getByLabel('Workspace', { exact: true }).selectOption({ label: `Workspace ${key} (${key})` });
  await page.getByRole('button', { name: 'Assign workspace' }).click();
  await expect(page.getByTestId('team-workspace-row').filter({ hasText: key })).toBeVisible();
  await screenshotAndAxe(page, 'admin-team');
  await page.getByTestId('team-workspace-row').filter({ hasText: key }).getByRole('button', { name: 'Unassign' }).click();
  await page.getByRole('button', { name: 'Confirm unassigning' }).click();
  await expect(page.getByText('No workspaces assigned')).toBeVisible();

  // Tools: validated; * for every tool.
  await page.getByLabel('Tools the team token may call').fill('bad tool!');
  await page.getByRole('button', { name: 'Save tools' }).click();
  await expect(page.getByText('Tool names use letters, digits')).toBeVisible();
  await page.getByLabel('Tools the team token may call').fill('search_docs read_doc');
  await page.getByRole('button', { name: 'Save tools' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'may call 2 tool(s)' })).toBeVisible();

  await page.goto(`/admin/audit?action=team.`);
  await expect(page.getByTestId('audit-row').first()).toContainText(E2E_ADMIN_EMAIL);
  await context.close();
});

test('the team token: shown once, introspected with the workspaces as they are now, rotated, deactivated, revoked', async ({ browser }) => {
  const owner = uniqueEmail('tokenowner');
  await provisionUser(owner);
  const alpha = `alpha_${Date.now().toString(36)}`;
  const beta = `beta_${Date.now().toString(36)}`;
  const { context, page } = await adminPage(browser);
  await createWorkspace(page, alpha);
  await createWorkspace(page, beta);
  const teamId = await createTeam(page, unique('Tokens'), owner);

  await expect(page.getByTestId('token-info')).toContainText('none');
  await page.getByRole('button', { name: 'Issue token' }).click();
  await expect(page.getByText('it will not be shown again')).toBeVisible();
  const first = (await page.getByTestId('new-team-token').textContent())!;
  recordIssuedSecret(first);
  expect(first).toMatch(/^gh_team_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId('token-info')).toContainText(first.slice(0, 14));
  await screenshotAndAxe(page, 'admin-team-token');
  expect(await introspect(first)).toMatchObject({ active: true, sub: `team:${teamId}`, token_kind: 'team_token', workspaces: [], tools: ['*'] });

  // Assigning a workspace shows in the next introspection, with no new token.
  await page.getByLabel('Workspace', { exact: true }).selectOption({ label: `Workspace ${alpha} (${alpha})` });
  await page.getByRole('button', { name: 'Assign workspace' }).click();
  await expect(page.getByTestId('team-workspace-row')).toHaveCount(1);
  expect(await introspect(first)).toMatchObject({ active: true, workspaces: [alpha] });
  await page.getByLabel('Workspace', { exact: true }).selectOption({ label: `Workspace ${beta} (${beta})` });
  await page.getByRole('button', { name: 'Assign workspace' }).click();
  await expect(page.getByTestId('team-workspace-row')).toHaveCount(2);
  expect((await introspect(first)).workspaces).toEqual([alpha, beta]);
  await expect(page.getByTestId('token-info')).not.toContainText('never');

  // Rotation: the old token is inactive at once, the new one active.
  await page.getByRole('button', { name: 'Rotate token' }).click();
  await page.getByRole('button', { name: 'Confirm rotating' }).click();
  await expect(page.getByTestId('new-team-token')).not.toHaveText(first);
  const second = (await page.getByTestId('new-team-token').textContent())!;
  recordIssuedSecret(second);
  expect(await introspect(first)).toEqual({ active: false });
  expect(await introspect(second)).toMatchObject({ active: true, sub: `team:${teamId}`, workspaces: [alpha, beta] });

  // An inactive team's token is inactive until the team is reactivated.
  await page.getByRole('button', { name: 'Deactivate team' }).click();
  await page.getByRole('button', { name: 'Confirm deactivating' }).click();
  await expect(page.getByTestId('team-status')).toContainText('inactive');
  expect(await introspect(second)).toEqual({ active: false });
  await page.getByRole('button', { name: 'Reactivate team' }).click();
  await expect(page.getByTestId('team-status')).not.toContainText('inactive');
  expect(await introspect(second)).toMatchObject({ active: true });

  // Revocation.
  await page.getByRole('button', { name: 'Revoke token' }).click();
  await page.getByRole('button', { name: 'Confirm revoking' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Team token revoked' })).toBeVisible();
  await expect(page.getByTestId('new-team-token')).toHaveCount(0);
  await expect(page.getByTestId('token-info')).toContainText('none');
  expect(await introspect(second)).toEqual({ active: false });
  await context.close();
});

test('teams pages are for admins only', async ({ browser }) => {
  const owner = uniqueEmail('teamowner');
  await provisionUser(owner);
  const admin = await adminPage(browser);
  const teamId = await createTeam(admin.page, unique('Private'), owner);
  await admin.context.close();
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('nosy')) });
  const page = await context.newPage();
  expect((await page.goto('/admin/teams'))?.status()).toBe(403);
  expect((await page.goto(`/admin/teams/${teamId}`))?.status()).toBe(403);
  await context.close();
});

test('every teams action refuses a non-admin: no token is issued, nothing changes', async ({ browser }) => {
  const owner = uniqueEmail('guarded');
  await provisionUser(owner);
  const admin = await adminPage(browser);
  const teamName = unique('Guarded');
  const teamId = await createTeam(admin.page, teamName, owner);
  const actions = serverActionsOf('app/admin/teams/actions.ts');
  expect([...actions.keys()].sort()).toEqual([
    'addMemberAction',
    'assignWorkspaceAction',
    'createTeamAction',
    'fetchTeamsPageAction',
    'issueTokenAction',
    'makeOwnerAction',
    'removeMemberAction',
    'revokeTokenAction',
    'setActiveAction',
    'setToolsAction',
    'unassignWorkspaceAction',
  ]);
  const asAdmin = await signedInApi(E2E_ADMIN_EMAIL);
  expect(await (await callServerAction(asAdmin, '/admin/teams', actions.get('fetchTeamsPageAction')!, [{ q: teamName }])).text()).toContain(teamName);

  const nosy = await signedInApi(uniqueEmail('nosy'));
  for (const [name, id] of actions) {
    const args = name.startsWith('fetch') ? [{ q: teamName }] : [null, { teamId, name: 'x', ownerEmail: owner, active: 'false' }];
    const body = await (await callServerAction(nosy, `/admin/teams/${teamId}`, id, args)).text();
    expect(body, name).toContain('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(body, name).not.toContain(teamName);
    expect(body, name).not.toContain('gh_team_');
  }
  await admin.page.reload();
  await expect(admin.page.getByTestId('token-info')).toContainText('none');
  await expect(admin.page.getByTestId('team-status')).toContainText('active');
  await expect(admin.page.getByTestId('team-status')).not.toContainText('inactive');
  await admin.context.close();
});
