// Admin: workspaces — create (with field errors), rename, search, and the teams holding them.
import { expect, test } from '@playwright/test';
import { provisionUser, seedTeam } from '../fixtures/demo-server';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

test('an admin creates, renames and finds workspaces; bad input keeps the form', async ({ browser }) => {
  const key = `docs-${Date.now().toString(36)}`;
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Workspaces' }).click();
  const create = page.getByRole('form', { name: 'Create a workspace' });

  await create.getByLabel('Key').fill('Not A Key!');
  await create.getByLabel('Name').fill('Documentation');
  await create.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByText('Lower-case letters, digits')).toBeVisible();
  await expect(create.getByLabel('Name')).toHaveValue('Documentation');

  await create.getByLabel('Key').fill(key);
  await create.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'created' })).toBeVisible();
  const row = page.getByTestId('workspace-row').filter({ hasText: key });
  await expect(row).toContainText('none');

  await create.getByLabel('Key').fill(key);
  await create.getByLabel('Name').fill('Again');
  await create.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByText('A workspace with this key exists')).toBeVisible();

  await row.getByLabel('Name').fill('Docs (renamed)');
  await row.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('Search workspaces').fill(key);
  await expect(page.getByTestId('workspace-row')).toHaveCount(1);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${key}`));
  await expect(page.getByTestId('workspace-row').getByLabel('Name')).toHaveValue('Docs (renamed)');
  await screenshotAndAxe(page, 'admin-workspaces');
  await context.close();
});

test('the list shows which teams hold a workspace', async ({ browser }) => {
  const key = `held-${Date.now().toString(36)}`;
  seedTeam(await provisionUser(`holder.${Date.now()}@example.com`), [key]);
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto(`/admin/workspaces?q=${key}`);
  await expect(page.getByTestId('workspace-row')).not.toContainText('none');
  await context.close();
});

test('workspaces are for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(`nosy.${Date.now()}@example.com`) });
  expect((await (await context.newPage()).goto('/admin/workspaces'))?.status()).toBe(403);
  await context.close();
});

test('the list pages by keyset, and the page and search live in the URL', async ({ browser }) => {
  const prefix = `pg-${Date.now().toString(36)}`;
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin/workspaces');
  const create = page.getByRole('form', { name: 'Create a workspace' });
  // One more than a page (25), so the search has a second page.
  for (let i = 0; i < 26; i++) {
    await create.getByLabel('Key').fill(`${prefix}-${String(i).padStart(2, '0')}`);
    await create.getByLabel('Name').fill(`${prefix} ${String(i).padStart(2, '0')}`);
    await create.getByRole('button', { name: 'Create workspace' }).click();
    await expect(page.getByRole('status').filter({ hasText: `${prefix}-${String(i).padStart(2, '0')} created` })).toBeVisible();
  }
  await page.getByLabel('Search workspaces').fill(prefix);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${prefix}`));
  await expect(page.getByTestId('workspace-row').first()).toContainText(`${prefix}-00`);
  await expect(page.getByTestId('workspace-row')).toHaveCount(25);
  await page.getByRole('navigation', { name: 'Workspaces pages' }).getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('workspace-row')).toHaveCount(1);
  await expect(page.getByTestId('workspace-row')).toContainText(`${prefix}-25`);
  await expect(page).toHaveURL(/[?&]after=/);
  // The URL alone brings the same page back.
  await page.reload();
  await expect(page.getByTestId('workspace-row')).toHaveCount(1);
  await page.getByRole('navigation', { name: 'Workspaces pages' }).getByRole('button', { name: 'Previous' }).click();
  await expect(page.getByTestId('workspace-row')).toHaveCount(25);
  await context.close();
});
