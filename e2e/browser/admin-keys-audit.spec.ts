// Admin: signing keys (staged rotation, rotation at once, early retirement, live
// tokens per key) and the audit log (filters, keyset paging). Non-admins get 403.
import { expect, test } from '@playwright/test';
import { decodeProtectedHeader } from 'jose';
import { ISSUER, anonymousApi, fetchJwks, registerClient, tokensFor, verifyAccessToken } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const publishedKids = async () => (await fetchJwks()).keys.map((k) => k.kid);

test('staged rotation: a published key is in the JWKS but signs nothing until it is made the signer; old tokens keep verifying', async ({ browser }) => {
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: 'Key rotation client' });
  const before = (await tokensFor(client.client_id)).tokens.access_token;
  const oldKid = kidOf(before)!;

  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Signing keys' }).click();
  await expect(page.getByRole('heading', { name: 'Signing keys' })).toBeVisible();
  await expect(page.locator(`[data-testid="key-row"][data-kid="${oldKid}"]`)).toHaveAttribute('data-status', 'active');

  // Stage 1: published, not signing.
  await page.getByRole('button', { name: 'Publish new key' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published' })).toBeVisible();
  const pending = page.locator('[data-testid="key-row"][data-status="pending"]');
  await expect(pending).toHaveCount(1);
  const newKid = (await pending.getAttribute('data-kid'))!;
  await expect(page.getByRole('button', { name: 'Publish new key' })).toBeDisabled();
  expect(await publishedKids()).toEqual(expect.arrayContaining([oldKid, newKid]));
  expect(kidOf((await tokensFor(client.client_id)).tokens.access_token)).toBe(oldKid);

  // Stage 2: the signer; the old key retires but still verifies what it signed.
  await pending.getByRole('button', { name: 'Make signer' }).click();
  await pending.getByRole('button', { name: 'Confirm make signer' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Now signing with' })).toBeVisible();
  // The publish message ("does not sign yet") no longer holds, so it is gone.
  await expect(page.getByRole('status').filter({ hasText: 'It does not sign yet' })).toHaveCount(0);
  await expect(page.locator(`[data-testid="key-row"][data-kid="${newKid}"]`)).toHaveAttribute('data-status', 'active');
  const retiring = page.locator(`[data-testid="key-row"][data-kid="${oldKid}"]`);
  await expect(retiring).toHaveAttribute('data-status', 'retiring');
  const after = (await tokensFor(client.client_id)).tokens.access_token;
  expect(kidOf(after)).toBe(newKid);
  await verifyAccessToken(after, ISSUER);
  await verifyAccessToken(before, ISSUER);
  expect(Number(await retiring.getByTestId('live-tokens').textContent())).toBeGreaterThanOrEqual(2);

  // Retiring it early warns about the live tokens; cancelled here, so they keep working.
  await retiring.getByRole('button', { name: 'Retire now' }).click();
  await expect(retiring.getByTestId('retire-warning')).toContainText('still live and will stop verifying');
  await retiring.getByRole('button', { name: 'Cancel' }).click();
  await screenshotAndAxe(page, 'admin-keys');

  // A published key that is abandoned leaves the JWKS at once.
  await page.getByRole('button', { name: 'Publish new key' }).click();
  const abandoned = page.locator('[data-testid="key-row"][data-status="pending"]');
  await expect(abandoned).toHaveCount(1);
  const abandonedKid = (await abandoned.getAttribute('data-kid'))!;
  expect(await publishedKids()).toContain(abandonedKid);
  await abandoned.getByRole('button', { name: 'Discard' }).click();
  await abandoned.getByRole('button', { name: 'Confirm discard' }).click();
  await expect(page.locator(`[data-testid="key-row"][data-kid="${abandonedKid}"]`)).toHaveAttribute('data-status', 'retired');
  expect(await publishedKids()).not.toContain(abandonedKid);
  expect(await publishedKids()).toEqual(expect.arrayContaining([oldKid, newKid]));

  await page.goto('/admin/audit?action=signing_key.activated');
  await expect(page.getByTestId('audit-row').first()).toContainText(E2E_ADMIN_EMAIL);
  await api.dispose();
  await context.close();
});

test('rotating immediately asks first, then signs with a new key at once', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin/keys');
  const active = page.locator('[data-testid="key-row"][data-status="active"]');
  const previous = (await active.getAttribute('data-kid'))!;
  await page.getByRole('button', { name: 'Rotate immediately…' }).click();
  await page.getByRole('button', { name: 'Confirm rotate now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Now signing with' })).toBeVisible();
  await expect(page.locator(`[data-testid="key-row"][data-kid="${previous}"]`)).toHaveAttribute('data-status', 'retiring');
  await expect(active).not.toHaveAttribute('data-kid', previous);
  expect(await publishedKids()).toContain(previous);
  await page.goto('/admin/audit?action=signing_key.rotated');
  await expect(page.getByTestId('audit-row').first()).toContainText(E2E_ADMIN_EMAIL);
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

  await screenshotAndAxe(page, 'admin-audit');

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
