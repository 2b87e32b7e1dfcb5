// Admin: signing keys (rotate, live tokens per key) and the audit log (filters,
// keyset paging). Non-admins get 403 on both.
import { expect, test } from '@playwright/test';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

test('an admin rotates the signing key; the old one stays published as retiring, and the rotation is audited', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Signing keys' }).click();
  await expect(page.getByRole('heading', { name: 'Signing keys' })).toBeVisible();
  await expect(page.getByTestId('key-row').first()).toBeVisible();
  const before = await page.getByTestId('key-row').count();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Rotate key' }).click();
  await expect(page.getByRole('status')).toContainText('Now signing with');
  await expect(page.getByTestId('key-row')).toHaveCount(before + 1);
  await expect(page.getByTestId('key-row').filter({ hasText: 'retiring' }).first()).toBeVisible();
  await page.screenshot({ path: 'e2e/.output/screenshots/admin-keys.png', fullPage: true });

  // Every instance picks key changes up within its short cache (5 s).
  await expect
    .poll(async () => ((await (await page.request.get('/.well-known/jwks.json')).json()) as { keys: unknown[] }).keys.length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(2);

  await page.goto('/admin/audit?action=signing_key.rotated');
  await expect(page.getByTestId('audit-row').first()).toContainText(E2E_ADMIN_EMAIL);
  await page.screenshot({ path: 'e2e/.output/screenshots/admin-audit.png', fullPage: true });
  await context.close();
});

test('the audit log filters by action and pages with a cursor', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  // More than a page of events: every first sign-in is audited.
  for (let i = 0; i < 55; i++) await page.request.get('/api/me', { headers: edgeHeaders(`pager.${Date.now()}.${i}@example.com`) });
  await page.goto('/admin/audit');
  await page.getByLabel('Action starts with').fill('user.provisioned');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=user\.provisioned/);
  await expect(page.getByTestId('audit-row')).toHaveCount(50);
  const firstPage = await page.getByTestId('audit-row').allTextContents();
  await page.getByRole('link', { name: 'Older events' }).click();
  await expect(page).toHaveURL(/before=/);
  const secondPage = await page.getByTestId('audit-row').allTextContents();
  expect(secondPage.length).toBeGreaterThan(0);
  expect(secondPage.some((row) => firstPage.includes(row))).toBe(false);
  for (const row of secondPage) expect(row).toContain('user.provisioned');

  await page.goto('/admin/audit?action=no.such.action');
  await expect(page.getByText('No events match')).toBeVisible();
  await context.close();
});

test('signing keys and the audit log are for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(`plain.${Date.now()}@example.com`) });
  const page = await context.newPage();
  expect((await page.goto('/admin/keys'))?.status()).toBe(403);
  expect((await page.goto('/admin/audit'))?.status()).toBe(403);
  await context.close();
});
