// The account page (SPEC §6): a user sees what they allowed and revokes it; the
// application's tokens stop working at once.
import { expect, test } from '@playwright/test';
import { anonymousApi, basicAuthorization, introspectionClientFromCli, registerClient, tokensFor, uniqueEmail } from '../fixtures/oauth';
import { edgeHeaders } from '../fixtures/server-env';

test('a user revokes an application from /account and its tokens become inactive', async ({ browser }) => {
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: 'Revocable MCP client' });
  const email = uniqueEmail('owner');
  const { tokens } = await tokensFor(client.client_id, { email });
  const rs = await introspectionClientFromCli();
  const introspect = async (token: string) =>
    (await (await api.post('/oauth/introspect', { form: { token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } })).json()) as { active: boolean };
  expect((await introspect(tokens.access_token)).active).toBe(true);

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(email) });
  const page = await context.newPage();
  await page.goto('/account');
  const row = page.getByTestId('grant-row').filter({ hasText: 'Revocable MCP client' });
  await expect(row).toContainText('unverified');
  await expect(row).toContainText('mcp:tools');
  await page.screenshot({ path: 'e2e/.output/screenshots/account-grants.png', fullPage: true });

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  // The list re-renders without it, at once and after a reload.
  await expect(page.getByTestId('grant-row').filter({ hasText: 'Revocable MCP client' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('grant-row').filter({ hasText: 'Revocable MCP client' })).toHaveCount(0);
  await expect(page.getByText('No applications yet')).toBeVisible();

  expect((await introspect(tokens.access_token)).active).toBe(false);
  const refreshed = await api.post('/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: client.client_id } });
  expect(refreshed.status()).toBe(400);
  expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
  await context.close();
});

test('a user who cancels the confirmation keeps the access', async ({ browser }) => {
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: 'Kept MCP client' });
  const email = uniqueEmail('keeper');
  await tokensFor(client.client_id, { email });
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(email) });
  const page = await context.newPage();
  await page.goto('/account');
  page.once('dialog', (dialog) => dialog.dismiss());
  await page.getByTestId('grant-row').getByRole('button', { name: 'Revoke' }).click();
  await page.reload();
  await expect(page.getByTestId('grant-row')).toHaveCount(1);
  await context.close();
});
