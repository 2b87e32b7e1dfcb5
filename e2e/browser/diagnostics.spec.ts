// The sign-in diagnostics page: what the edge said about this request,
// and the sign-out chain Gatehouse will follow.
import { expect, test } from '@playwright/test';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, E2E_BASE_URL, edgeHeaders } from '../fixtures/server-env';

test('an admin sees the edge verdict for their own request and the sign-out chain', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL, { groups: 'staff' }) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Sign-in diagnostics' }).click();
  await expect(page.getByTestId('edge-outcome')).toContainText('Trusted');
  await expect(page.getByText(`${E2E_ADMIN_EMAIL} (groups: staff)`)).toBeVisible();
  const url = new URL((await page.getByTestId('sign-out-url').textContent())!);
  expect(url.origin + url.pathname).toBe('https://gate.example.com/oauth2/sign_out');
  expect(new URL(url.searchParams.get('rd')!).searchParams.get('logout_uri')).toBe(`${E2E_BASE_URL}/signed-out`);
  await expect(page.getByText('No problems found.')).toBeVisible();
  await screenshotAndAxe(page, 'admin-diagnostics');
  await context.close();
});

test('the edge verdict says when the proxy secret is wrong', async ({ browser }) => {
  // Signed in as an admin by an earlier trusted request; this one carries a wrong secret.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.setExtraHTTPHeaders(edgeHeaders(E2E_ADMIN_EMAIL));
  await page.goto('/');
  await page.setExtraHTTPHeaders(edgeHeaders(E2E_ADMIN_EMAIL, { secret: 'not-the-proxy-secret' }));
  await page.goto('/admin/diagnostics');
  await expect(page.getByTestId('edge-outcome')).toContainText('did not match GATEHOUSE_PROXY_SECRET');
  await context.close();
});

test('diagnostics are for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(`member.${Date.now()}@example.com`) });
  const page = await context.newPage();
  const response = await page.goto('/admin/diagnostics');
  expect(response?.status()).toBe(403);
  await context.close();
});
