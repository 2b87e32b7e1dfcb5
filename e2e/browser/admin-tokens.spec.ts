// Admin: tokens & grants — filters and search in the URL, keyset paging,
// revoking one token, and revoking everything of a user after a preview; the
// revocations show in introspection at once. Admins only.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { insertPersonalToken, provisionUser } from '../fixtures/demo-server';
import { anonymousApi, basicAuthorization, introspectionClientFromCli, registerClient, tokensFor, unique, uniqueEmail } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

async function introspect(api: APIRequestContext, token: string): Promise<boolean> {
  const rs = await introspectionClientFromCli();
  const res = await api.post('/oauth/introspect', { form: { token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { active: boolean }).active;
}

test('an admin filters, searches, pages and revokes one token', async ({ browser }) => {
  // Many steps on a shared machine: more than the default 30 s.
  test.setTimeout(120_000);
  const api = await anonymousApi();
  const clientName = unique('Tokens E2E');
  const client = await registerClient(api, { client_name: clientName });
  const email = uniqueEmail('tokens');
  const { tokens } = await tokensFor(client.client_id, { email });
  const userId = await provisionUser(email);
  // Thirty personal tokens: more than one page of the user's tokens.
  for (let i = 0; i < 30; i++) insertPersonalToken(userId, { workspaceKeys: [], tools: ['*'] });

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Tokens & grants' }).click();
  await expect(page.getByRole('heading', { name: 'Tokens & grants' })).toBeVisible();

  // The user filter: 33 rows (grant, refresh, access, 30 personal) on two pages.
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  await filters.getByLabel('User').fill(email);
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(new RegExp(`user=${encodeURIComponent(email)}`));
  const rows = page.getByTestId('token-row');
  await expect(rows).toHaveCount(25);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(rows).toHaveCount(8);
  await expect(page).toHaveURL(/after=/);
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect(rows).toHaveCount(25);

  // Kind and status filters narrow it, and live in the URL.
  await filters.getByLabel('Kind').selectOption('access');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-type', 'access');
  await expect(page).toHaveURL(/type=access/);
  await filters.getByLabel('Status').selectOption('revoked');
  await expect(page.getByText('No tokens match')).toBeVisible();
  await filters.getByLabel('Status').selectOption('');
  await expect(rows).toHaveCount(1);

  // Revoke the access token: a confirmation first, then introspection says inactive.
  expect(await introspect(api, tokens.access_token)).toBe(true);
  await rows.first().getByRole('button', { name: /^Revoke access token/ }).click();
  await rows.first().getByRole('button', { name: 'Confirm revoke' }).click();
  await expect(rows.first()).toHaveAttribute('data-status', 'revoked');
  expect(await introspect(api, tokens.access_token)).toBe(false);

  // Search by the client's name, over every user.
  await filters.getByRole('button', { name: 'Clear' }).click();
  await expect(filters.getByLabel('User')).toHaveValue('');
  await page.getByLabel('Search tokens').fill(clientName.slice(0, 18));
  await page.getByLabel('Search tokens').press('Enter');
  await expect(page).toHaveURL(/q=/);
  await expect(page.getByText(`Matching ${clientName}`)).toBeVisible();
  await expect(rows).toHaveCount(3); // the grant, its refresh token, the revoked access token
  for (const row of await rows.all()) await expect(row).toContainText(clientName);

  // A pasted refresh token finds itself, and never lands in the URL.
  await page.getByLabel('Search tokens').fill(tokens.refresh_token!);
  await page.getByLabel('Search tokens').press('Enter');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-type', 'refresh');
  expect(page.url()).not.toContain(tokens.refresh_token!);
  expect(page.url()).toContain('sha256');

  // The URL alone reproduces a filtered list.
  await page.goto(`/admin/tokens?user=${encodeURIComponent(email)}&type=personal`);
  await expect(rows).toHaveCount(25);
  await expect(page.getByLabel('Kind')).toHaveValue('personal');
  await screenshotAndAxe(page, 'admin-tokens');
  await context.close();
  await api.dispose();
});

test('an admin previews and then revokes everything of a user', async ({ browser }) => {
  test.setTimeout(90_000);
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: unique('Bulk E2E') });
  const email = uniqueEmail('bulk');
  const { tokens } = await tokensFor(client.client_id, { email });
  const userId = await provisionUser(email);
  const pat = insertPersonalToken(userId, { workspaceKeys: [], tools: ['*'] });
  expect(await introspect(api, pat.token)).toBe(true);

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto(`/admin/tokens?user=${encodeURIComponent(email)}`);
  const panel = page.getByRole('form', { name: 'Bulk revocation' });
  // The panel starts from the list's user filter.
  await expect(panel.getByLabel('Email, username or id')).toHaveValue(email);

  await panel.getByLabel('Email, username or id').fill('nobody-at-all@example.com');
  await panel.getByRole('button', { name: 'Preview revocation' }).click();
  await expect(page.getByText('No single user (id, email or username) matches')).toBeVisible();

  await panel.getByLabel('Email, username or id').fill(email);
  await panel.getByRole('button', { name: 'Preview revocation' }).click();
  const preview = page.getByTestId('bulk-preview');
  await expect(preview).toContainText(`This will revoke 1 grant, 1 refresh token, 1 access token, 1 personal token of ${email}.`);
  // Nothing happens before the explicit confirmation.
  expect(await introspect(api, pat.token)).toBe(true);
  await screenshotAndAxe(page, 'admin-tokens-bulk-preview');

  await preview.getByRole('button', { name: 'Confirm: revoke 4' }).click();
  await expect(page.getByText('Revoked 1 grant, 1 refresh token, 1 access token, 1 personal token.')).toBeVisible();
  expect(await introspect(api, pat.token)).toBe(false);
  expect(await introspect(api, tokens.access_token)).toBe(false);
  await expect(page.locator('[data-testid="token-row"][data-status="active"]')).toHaveCount(0);
  for (const row of await page.getByTestId('token-row').all()) expect(['revoked', 'rotated', 'reused', 'expired']).toContain(await row.getAttribute('data-status'));
  await context.close();
  await api.dispose();
});

test('tokens & grants are for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(`nosy.${Date.now()}@example.com`) });
  expect((await (await context.newPage()).goto('/admin/tokens'))?.status()).toBe(403);
  await context.close();
});
