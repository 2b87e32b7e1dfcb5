// The pages a person sees, in Debian's Chromium, with screenshots to look at.
import { expect, test } from '@playwright/test';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

const shot = (name: string) => ({ path: `e2e/.output/screenshots/${name}.png`, fullPage: true });

test('an anonymous visitor sees the start page', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Gatehouse', level: 1 })).toBeVisible();
  await expect(page.getByText('Not signed in')).toBeVisible();
  await page.screenshot(shot('home-anonymous'));
});

test('an admin arriving through the SSO edge is signed in and sees the dashboard', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('signed-in-as')).toHaveText(E2E_ADMIN_EMAIL);
  await page.screenshot(shot('home-admin'));

  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Counts' })).toContainText('Users');
  await page.screenshot(shot('admin-dashboard'));

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByTestId('profile-email')).toHaveText(E2E_ADMIN_EMAIL);
  await page.screenshot(shot('account'));
  await context.close();
});

test('the signed-out landing page needs no session', async ({ page }) => {
  await page.goto('/signed-out');
  await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
  await page.screenshot(shot('signed-out'));
});
