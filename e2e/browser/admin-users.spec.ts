// Admin: users — search and filter the list, make and unmake an
// admin (never yourself), disable a user: every grant and token of theirs is
// revoked at once, as the real introspection endpoint answers (RFC 7662).
import { expect, test, type Browser } from '@playwright/test';
import { insertPersonalToken, provisionUser, seedTeam } from '../fixtures/demo-server';
import { recordIssuedSecret } from '../fixtures/issued-secrets';
import { anonymousApi, basicAuthorization, introspectionClientFromCli, registerClient, signedInApi, tokensFor, unique, uniqueEmail } from '../fixtures/oauth';
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

test('an admin searches and filters users, makes one an admin and takes it back', async ({ browser }) => {
  const tag = unique('finder');
  const emails = [`${tag}.ann@example.com`, `${tag}.bob@example.com`];
  for (const email of emails) await provisionUser(email);
  const { context, page } = await adminPage(browser);
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();

  await page.getByLabel('Search users').fill(tag.toUpperCase());
  await expect(page.getByTestId('user-row')).toHaveCount(2);
  await expect(page).toHaveURL(new RegExp(`q=${tag.toUpperCase()}`));
  await page.getByLabel('Role').selectOption('admin');
  await expect(page.getByText('No user matches')).toBeVisible();
  await page.getByLabel('Role').selectOption('');
  await page.getByLabel('Status').selectOption('active');
  await expect(page.getByTestId('user-row')).toHaveCount(2);
  await screenshotAndAxe(page, 'admin-users');

  // The filters live in the URL: a reload shows the same list.
  await page.reload();
  await expect(page.getByTestId('user-row')).toHaveCount(2);
  await page.getByTestId('user-row').getByRole('link', { name: emails[0] }).click();
  await expect(page.getByRole('heading', { name: emails[0], level: 1 })).toBeVisible();
  const badges = page.getByTestId('user-badges');
  await expect(badges).toContainText('member');

  await page.getByRole('button', { name: 'Make admin' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'They are now an admin.' })).toBeVisible();
  await expect(badges).toContainText('admin');
  await page.getByRole('button', { name: 'Remove admin rights' }).click();
  await page.getByRole('button', { name: 'Confirm removing admin rights' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'no longer an admin' })).toBeVisible();
  await expect(badges).toContainText('member');
  await screenshotAndAxe(page, 'admin-user');

  // Your own page offers no way to remove your own admin rights or to disable yourself.
  await page.goto(`/admin/users?q=${encodeURIComponent(E2E_ADMIN_EMAIL)}`);
  await page.getByTestId('user-row').getByRole('link', { name: E2E_ADMIN_EMAIL }).click();
  await expect(page.getByText('You cannot remove your own admin rights')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Disable user' })).toHaveCount(0);
  await context.close();
});

test('disabling a user revokes their grant, JWT and personal token at once; they cannot sign in until enabled', async ({ browser }) => {
  const email = uniqueEmail('leaver');
  const userId = await provisionUser(email);
  const workspace = `ws_${Date.now().toString(36)}`;
  seedTeam(userId, [workspace]);
  const pat = insertPersonalToken(userId, { workspaceKeys: [workspace], tools: ['*'] });
  recordIssuedSecret(pat.token);
  const client = await registerClient(await anonymousApi());
  const { api, tokens } = await tokensFor(client.client_id, { email });
  expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: userId, token_kind: 'access_token' });
  expect(await introspect(pat.token)).toMatchObject({ active: true, sub: userId, token_kind: 'personal_token', workspaces: [workspace] });

  const { context, page } = await adminPage(browser);
  await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
  await page.getByTestId('user-row').getByRole('link', { name: email }).click();
  await expect(page.getByTestId('grant-row')).toHaveCount(1);
  await expect(page.getByTestId('pat-row')).toHaveCount(1);
  await expect(page.getByTestId('profile-live-access-tokens')).toHaveText('1');

  // Asked once more in the page; Cancel changes nothing.
  await page.getByRole('button', { name: 'Disable user' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('user-badges')).toContainText('active');
  await page.getByRole('button', { name: 'Disable user' }).click();
  await page.getByRole('button', { name: 'Confirm disabling' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'User disabled' })).toContainText('Revoked 1 grant, 1 refresh token, 1 access token and 1 personal token');
  await expect(page.getByTestId('user-badges')).toContainText('disabled');
  await expect(page.getByText('No active grants')).toBeVisible();
  await expect(page.getByText('No live personal tokens')).toBeVisible();
  await expect(page.getByTestId('profile-live-access-tokens')).toHaveText('0');

  expect(await introspect(tokens.access_token)).toEqual({ active: false });
  expect(await introspect(pat.token)).toEqual({ active: false });
  // The client (no edge identity on its requests) can no longer refresh.
  const refreshed = await (await anonymousApi()).post('/oauth/token', { form: { grant_type: 'refresh_token', client_id: client.client_id, refresh_token: tokens.refresh_token! } });
  expect(refreshed.status()).toBe(400);
  expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
  // The SSO edge still vouches for them, but Gatehouse refuses the disabled account.
  expect((await api.get('/api/me')).status()).toBe(403);

  await page.getByRole('button', { name: 'Enable user' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'User enabled' })).toBeVisible();
  expect((await api.get('/api/me')).status()).toBe(200);
  // What was revoked stays revoked.
  expect(await introspect(tokens.access_token)).toEqual({ active: false });
  expect(await introspect(pat.token)).toEqual({ active: false });

  await page.goto(`/admin/audit?action=user.disabled&target=${userId}`);
  await expect(page.getByTestId('audit-row').first()).toContainText(E2E_ADMIN_EMAIL);
  await api.dispose();
  await context.close();
});

test('users pages are for admins only', async ({ browser }) => {
  const userId = await provisionUser(uniqueEmail('target'));
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('nosy')) });
  const page = await context.newPage();
  expect((await page.goto('/admin/users'))?.status()).toBe(403);
  expect((await page.goto(`/admin/users/${userId}`))?.status()).toBe(403);
  await context.close();
});

test('every users action refuses a non-admin, whatever page it is posted to', async () => {
  const targetEmail = uniqueEmail('target');
  const targetId = await provisionUser(targetEmail);
  const actions = serverActionsOf('app/admin/users/actions.ts');
  expect([...actions.keys()].sort()).toEqual(['disableUserAction', 'enableUserAction', 'fetchUsersPageAction', 'setAdminAction']);
  // The same call as an admin reaches the data, so the refusals below are the check's doing.
  const admin = await signedInApi(E2E_ADMIN_EMAIL);
  expect(await (await callServerAction(admin, '/admin/users', actions.get('fetchUsersPageAction')!, [{ q: targetEmail }])).text()).toContain(targetEmail);

  const nosy = await signedInApi(uniqueEmail('nosy'));
  for (const [name, id] of actions) {
    const args = name.startsWith('fetch') ? [{ q: targetEmail }] : [null, { userId: targetId, isAdmin: 'true' }];
    const body = await (await callServerAction(nosy, `/admin/users/${targetId}`, id, args)).text();
    // forbidden() in a server action: React's error row carrying the 403 digest.
    expect(body, name).toContain('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(body, name).not.toContain(targetEmail);
  }
  // Nothing changed: the target can still sign in, and is no admin.
  const target = await signedInApi(targetEmail);
  expect(await (await target.get('/api/me')).json()).toMatchObject({ user: { id: targetId, isAdmin: false } });
});
