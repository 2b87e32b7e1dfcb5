// Admin: scopes — create (with field errors), edit, delete with a confirmation;
// built-ins can't be deleted or renamed; changes reach the consent page and the
// metadata's scopes_supported at once. Non-admins get 403.
import { expect, test } from '@playwright/test';
import { anonymousApi, authorizePath, pkcePair, registerClient, API_REDIRECT_URI, uniqueEmail } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

async function scopesSupported(): Promise<string[]> {
  const api = await anonymousApi();
  const metadata = (await (await api.get('/.well-known/oauth-authorization-server')).json()) as { scopes_supported: string[] };
  await api.dispose();
  return metadata.scopes_supported;
}

test('an admin creates, edits and deletes a scope; consent and metadata follow', async ({ browser }) => {
  const name = `e2e:docs-${Date.now().toString(36)}`;
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Scopes' }).click();
  await expect(page.getByRole('heading', { name: 'Scopes', level: 1 })).toBeVisible();
  const create = page.getByRole('form', { name: 'Create a scope' });

  await create.getByLabel('Name').fill('Not A Scope!');
  await create.getByLabel('Description').fill('Read the documentation');
  await create.getByLabel('Tools it allows').fill('search bad/tool');
  await create.getByRole('button', { name: 'Create scope' }).click();
  await expect(create.getByText('Lower-case letters, digits')).toBeVisible();
  await expect(create.getByText('Tool names use letters')).toBeVisible();
  await expect(create.getByLabel('Description')).toHaveValue('Read the documentation');

  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Tools it allows').fill('search, fetch');
  await create.getByRole('button', { name: 'Create scope' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Scope ${name} created` })).toBeVisible();
  const row = page.getByTestId('scope-row').filter({ hasText: name });
  await expect(row).toContainText('Read the documentation');
  await expect(row).toContainText('search fetch');
  expect(await scopesSupported()).toContain(name);

  // The consent page describes it in the admin's words.
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: 'Scope consent client' });
  const consent = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('scoped')) });
  const consentPage = await consent.newPage();
  const consentUrl = authorizePath({ response_type: 'code', client_id: client.client_id, redirect_uri: API_REDIRECT_URI, scope: name, code_challenge: pkcePair().challenge, code_challenge_method: 'S256', state: 's' });
  await consentPage.goto(consentUrl);
  await expect(consentPage.getByTestId('scopes')).toContainText('Read the documentation');

  // Edit: new description, every tool, default.
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('form', { name: `Edit scope ${name}` });
  await edit.getByLabel('Description').fill('Read and search the documentation');
  await edit.getByLabel('Tools it allows').fill('*');
  await edit.getByRole('button', { name: 'Save scope' }).click();
  await expect(edit).toHaveCount(0);
  await expect(row).toContainText('Read and search the documentation');
  await expect(row).toContainText('* (every tool)');
  await consentPage.goto(consentUrl);
  await expect(consentPage.getByTestId('scopes')).toContainText('Read and search the documentation');
  await consent.close();

  // Built-ins: no delete, and the name can't be changed.
  const openid = page.getByTestId('scope-row').filter({ has: page.getByText('openid', { exact: true }) });
  await expect(openid).toContainText('built-in');
  await expect(openid.getByRole('button', { name: /^Delete/ })).toHaveCount(0);
  await openid.getByRole('button', { name: 'Edit openid' }).click();
  await expect(page.getByRole('form', { name: 'Edit scope openid' }).getByLabel('Name')).toHaveAttribute('readonly', '');
  await screenshotAndAxe(page, 'admin-scopes');
  await page.getByRole('form', { name: 'Edit scope openid' }).getByRole('button', { name: 'Cancel' }).click();

  // Search, then delete with a confirmation.
  await page.getByLabel('Search scopes').fill(name);
  await expect(page.getByTestId('scope-row')).toHaveCount(1);
  await expect(page).toHaveURL(/q=e2e/);
  await row.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(page.getByText('Nothing uses this scope.')).toBeVisible();
  await page.getByRole('button', { name: `Confirm delete ${name}` }).click();
  await expect(page.getByText('No scope matches')).toBeVisible();
  expect(await scopesSupported()).not.toContain(name);

  await page.goto(`/admin/audit?action=scope.`);
  await expect(page.getByTestId('audit-row').filter({ hasText: 'scope.deleted' }).first()).toContainText(E2E_ADMIN_EMAIL);
  await api.dispose();
  await context.close();
});

test('scopes are for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('nosy')) });
  expect((await (await context.newPage()).goto('/admin/scopes'))?.status()).toBe(403);
  await context.close();
});
