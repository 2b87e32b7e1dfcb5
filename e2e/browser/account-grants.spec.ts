// The account page: a user sees what they allowed, changes which
// workspaces an application reaches, and revokes it; the application's tokens
// follow at once (introspection).
import { expect, test } from '@playwright/test';
import { provisionUser, seedTeam } from '../fixtures/demo-server';
import { anonymousApi, basicAuthorization, introspectionClientFromCli, registerClient, tokensFor, uniqueEmail } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

async function introspector() {
  const api = await anonymousApi();
  const rs = await introspectionClientFromCli();
  return async (token: string) =>
    (await (await api.post('/oauth/introspect', { form: { token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } })).json()) as { active: boolean; workspaces?: string[] };
}

test('a user revokes an application from /account and its tokens become inactive', async ({ browser }) => {
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: 'Revocable MCP client' });
  const email = uniqueEmail('owner');
  const { tokens } = await tokensFor(client.client_id, { email });
  const introspect = await introspector();
  expect((await introspect(tokens.access_token)).active).toBe(true);

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(email) });
  const page = await context.newPage();
  await page.goto('/account');
  const row = page.getByTestId('grant-row').filter({ hasText: 'Revocable MCP client' });
  await expect(row).toContainText('unverified');
  await expect(row).toContainText('mcp:tools');
  await page.screenshot({ path: 'e2e/.output/screenshots/account-grants.png', fullPage: true });

  await row.getByRole('button', { name: 'Revoke Revocable MCP client' }).click();
  await expect(row).toContainText('loses access at once');
  await row.getByRole('button', { name: 'Confirm revoke' }).click();
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
  await page.getByTestId('grant-row').getByRole('button', { name: 'Revoke Kept MCP client' }).click();
  await page.getByTestId('grant-row').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Confirm revoke' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('grant-row')).toHaveCount(1);
  await context.close();
});

test('a user changes which of their workspaces an application reaches; introspection follows at once', async ({ browser }) => {
  const email = uniqueEmail('sharer');
  const suffix = Date.now().toString(36);
  const [docs, billing] = [`docs-${suffix}`, `billing-${suffix}`];
  seedTeam(await provisionUser(email), [docs, billing]);
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: 'Workspace-scoped client' });
  // Consent through the API ticks no workspace: the grant starts sharing none.
  const { tokens } = await tokensFor(client.client_id, { email });
  const introspect = await introspector();
  expect((await introspect(tokens.access_token)).workspaces).toEqual([]);

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(email) });
  const page = await context.newPage();
  await page.goto('/account');
  const row = page.getByTestId('grant-row').filter({ hasText: 'Workspace-scoped client' });
  await expect(row.getByTestId('grant-workspaces')).toHaveText('none');
  await row.getByRole('button', { name: 'Change the workspaces shared with Workspace-scoped client' }).click();
  const form = row.getByRole('group', { name: 'Share with Workspace-scoped client' });
  await form.getByLabel(`Workspace ${docs}`).check();
  await expect(form.getByLabel(`Workspace ${billing}`)).not.toBeChecked();
  await screenshotAndAxe(page, 'account');
  await row.getByRole('button', { name: 'Save workspaces' }).click();
  await expect(row.getByRole('status')).toHaveText('Shared workspaces saved.');
  await expect(row.getByTestId('grant-workspaces')).toHaveText(`Workspace ${docs}`);
  expect((await introspect(tokens.access_token)).workspaces).toEqual([docs]);

  // Audited, for the admin to see.
  const admin = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const adminPage = await admin.newPage();
  await adminPage.goto('/admin/audit?action=grant.workspaces_changed');
  await expect(adminPage.getByTestId('audit-row').first()).toContainText('grant.workspaces_changed');
  await admin.close();
  await context.close();
});
