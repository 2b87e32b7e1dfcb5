// Admin dashboard: counts (live tokens of every kind), recent security
// events, and the chart of authentication failures by reason, switchable
// between the last 24 hours and the last 14 days. Non-admins get 403.
import { expect, test } from '@playwright/test';
import { recordIssuedSecret } from '../fixtures/issued-secrets';
import { anonymousApi, basicAuthorization, expectOAuthError, introspectionClientFromCli, uniqueEmail } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

test('failed client authentication shows in the chart, by reason, in both ranges', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  const failures = page.getByTestId('failures-oauth.client_auth_failed');
  const before = (await failures.count()) ? Number(await failures.textContent()) : 0;

  const api = await anonymousApi();
  const { client_id } = await introspectionClientFromCli();
  for (let i = 0; i < 3; i++) {
    const res = await api.post('/oauth/token', { form: { grant_type: 'client_credentials' }, headers: { Authorization: basicAuthorization(client_id, 'not-the-secret') } });
    await expectOAuthError(res, 401, 'invalid_client');
  }

  await page.reload();
  await expect(page.getByRole('img', { name: /Authentication failures by reason, last 24 hours/ })).toBeVisible();
  expect(Number(await failures.textContent())).toBeGreaterThanOrEqual(before + 3);
  await expect(page.getByRole('link', { name: 'Last 24 hours' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('list', { name: 'Counts' })).toContainText('Live tokens');
  await expect(page.getByRole('table', { name: 'Recent security events' })).toContainText('oauth.client_auth_failed');

  // The same numbers as a table, for screen readers and copying.
  await page.getByText('Show the data as a table').click();
  const table = page.getByRole('table', { name: /Authentication failures by reason, last 24 hours/ });
  await expect(table.getByRole('row')).toHaveCount(25);
  await screenshotAndAxe(page, 'admin-dashboard');

  await page.getByRole('link', { name: 'Last 14 days' }).click();
  await expect(page).toHaveURL(/\/admin\?range=14d$/);
  await expect(page.getByRole('img', { name: /last 14 days/ })).toBeVisible();
  expect(Number(await failures.textContent())).toBeGreaterThanOrEqual(before + 3);
  await page.getByText('Show the data as a table').click();
  await expect(page.getByRole('table', { name: /last 14 days/ }).getByRole('row')).toHaveCount(15);
  await api.dispose();
  await context.close();
});

test('the live-token count includes personal tokens', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  const tile = page.getByTestId('count-live-tokens');
  const personal = async () => Number(/(\d+) personal/.exec((await tile.textContent())!)![1]);
  const before = await personal();

  const user = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('counted')) });
  const account = await user.newPage();
  await account.goto('/account');
  await account.getByLabel('Name', { exact: true }).fill('counted');
  await account.getByRole('button', { name: 'Create token' }).click();
  recordIssuedSecret((await account.getByTestId('new-token').textContent())!);
  await user.close();

  await page.reload();
  expect(await personal()).toBeGreaterThanOrEqual(before + 1);
  await context.close();
});

test('the dashboard is for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('nosy')) });
  expect((await (await context.newPage()).goto('/admin'))?.status()).toBe(403);
  await context.close();
});
