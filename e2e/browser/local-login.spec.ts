// Break-glass local login (docs/deploy.md, "Break-glass access"): argon2id, a
// lockout with backoff that reads like any wrong password.
import { expect, test } from '@playwright/test';
import { runCli } from '../fixtures/cli';

const shot = (name: string) => ({ path: `e2e/.output/screenshots/${name}.png`, fullPage: true });

test('a local administrator signs in at /local-login; wrong passwords lock the account', async ({ page }) => {
  const email = `root.${Date.now()}@example.com`;
  const password = 'correct horse battery staple';
  const created = runCli(['admin', 'create', '--email', email, '--password-stdin'], password);
  expect(created.status, created.stderr).toBe(0);

  await page.goto('/local-login');
  await expect(page.getByRole('heading', { name: 'Administrator sign-in' })).toBeVisible();
  await page.screenshot(shot('local-login'));

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toHaveText('The email or password is not right.');
  await page.screenshot(shot('local-login-error'));

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  await page.goto('/admin');
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
});

test('five wrong passwords lock the account, even against the right one, with the same words as a wrong password or an unknown email', async ({ page }) => {
  const email = `locked.${Date.now()}@example.com`;
  const password = 'another long password 42';
  expect(runCli(['admin', 'create', '--email', email, '--password-stdin'], password).status).toBe(0);
  const wrongPassword = 'The email or password is not right.';
  /** Submits and waits for next-auth's answer, then for the form to be ready again. */
  const submit = async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/auth/callback/local'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await answered;
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  };
  await page.goto('/local-login');
  await page.getByLabel('Email').fill(email);
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Password').fill(`wrong-${i}`);
    await submit();
    await expect(page.getByTestId('login-error')).toHaveText(wrongPassword);
  }
  // Locked: the right password is refused, and nothing says the account exists or is locked.
  await page.getByLabel('Password').fill(password);
  await submit();
  await expect(page.getByTestId('login-error')).toHaveText(wrongPassword);
  await expect(page).toHaveURL(/\/local-login/);
  await page.screenshot(shot('local-login-locked'));
  // An email that has no local password reads the same.
  await page.getByLabel('Email').fill(`nobody.${Date.now()}@example.com`);
  await page.getByLabel('Password').fill(password);
  await submit();
  await expect(page.getByTestId('login-error')).toHaveText(wrongPassword);
});

test('after sign-in, a callbackUrl that a browser reads as another host returns to Gatehouse instead', async ({ page, context, baseURL }) => {
  const email = `returning.${Date.now()}@example.com`;
  const password = 'a third long password 7';
  expect(runCli(['admin', 'create', '--email', email, '--password-stdin'], password).status).toBe(0);
  // Nothing leaves the machine: any request to a non-loopback host is noted and aborted.
  const offLoopback: string[] = [];
  await context.route(
    (url) => !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname),
    (route) => {
      offLoopback.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  const gatehouse = new URL(baseURL!).origin;

  // `/%5Cevil.example` arrives as `/\evil.example`, which browsers read as //evil.example.
  for (const callbackUrl of ['/%5Cevil.example', '/%09/evil.example', '/%5C%5Cevil.example/x']) {
    await page.goto(`/local-login?callbackUrl=${callbackUrl}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${gatehouse}/`);
    expect(offLoopback).toEqual([]);
    await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  }
});
