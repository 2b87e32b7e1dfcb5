// Personal tokens on /account: created with workspaces, tools and
// an expiry, shown once, introspected with what they reach now, revoked at once.
import { expect, test } from '@playwright/test';
import { provisionUser, seedTeam } from '../fixtures/demo-server';
import { recordIssuedSecret } from '../fixtures/issued-secrets';
import { anonymousApi, basicAuthorization, introspectionClientFromCli, uniqueEmail } from '../fixtures/oauth';
import { edgeHeaders } from '../fixtures/server-env';

test('a user creates a personal token, uses it, and revokes it', async ({ browser }) => {
  const email = uniqueEmail('maker');
  const userId = await provisionUser(email);
  const workspace = `ws_${Date.now().toString(36)}`;
  seedTeam(userId, [workspace]);

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(email) });
  const page = await context.newPage();
  await page.goto('/account');
  await expect(page.getByText('No personal tokens')).toBeVisible();

  // A bad input keeps the form and says what is wrong.
  await page.getByLabel('Name').fill('laptop');
  await page.getByLabel('Tools it may call').fill('bad tool!');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Tool names use letters, digits')).toBeVisible();

  await page.getByLabel('Tools it may call').fill('list_documents read_document');
  await page.getByLabel('Expires').selectOption('7');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!;
  expect(token).toMatch(/^gh_pat_[A-Za-z0-9_-]{43}$/);
  recordIssuedSecret(token);
  await expect(page.getByTestId('token-row').filter({ hasText: 'laptop' })).toContainText(workspace);
  await page.screenshot({ path: 'e2e/.output/screenshots/account-personal-tokens.png', fullPage: true });

  const api = await anonymousApi();
  const rs = await introspectionClientFromCli();
  const introspect = async () =>
    (await (await api.post('/oauth/introspect', { form: { token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } })).json()) as Record<string, unknown>;
  expect(await introspect()).toMatchObject({ active: true, sub: userId, token_kind: 'personal_token', workspaces: [workspace], tools: ['list_documents', 'read_document'] });

  await page.getByTestId('token-row').filter({ hasText: 'laptop' }).getByRole('button', { name: 'Revoke laptop' }).click();
  await page.getByRole('button', { name: 'Confirm revoke' }).click();
  await expect(page.getByTestId('token-row')).toHaveCount(0);
  expect(await introspect()).toEqual({ active: false });
  await context.close();
});
