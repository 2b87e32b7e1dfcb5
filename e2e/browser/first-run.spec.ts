// The first run on the embedded default (docs/deploy.md#first-run): a server
// on an empty SQLite database, no SSO, no configured admin. The home page says
// how to get in, the start log carries a one-time setup link, and following it
// creates the first administrator and ends signed in on /admin.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { baseEnv, runDirectory, stopChild, waitForReady } from '../fixtures/edge-topology';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { freeLoopbackPort } from '../fixtures/ports';

const LINK = /(http:\/\/localhost:\d+\/setup#token=(gh_setup_[A-Za-z0-9_-]{43}))/;
const PASSWORD = 'first-run password 1';

let gatehouse: ChildProcess;
let origin: string;
let logFile: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const port = await freeLoopbackPort();
  origin = `http://localhost:${port}`;
  const dir = fs.mkdtempSync(path.join(runDirectory(), 'first-run-'));
  logFile = path.join(dir, 'gatehouse-first-run.log');
  const log = fs.openSync(logFile, 'w');
  gatehouse = spawn(process.execPath, ['bin/gatehouse.mjs', 'serve'], {
    env: { ...baseEnv(), NODE_ENV: 'production', PORT: String(port), DATABASE_URL: `file:${path.join(dir, 'data', 'gatehouse.db')}` } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', log, log],
  });
  await waitForReady(`${origin}/readyz`, gatehouse, logFile, 60_000);
});

test.afterAll(async () => {
  if (gatehouse) await stopChild(gatehouse, 10_000);
});

/** The setup link the server printed, once it has. */
async function printedLink(): Promise<{ link: string; token: string }> {
  let match: RegExpExecArray | null = null;
  await expect.poll(() => (match = LINK.exec(fs.readFileSync(logFile, 'utf8'))) !== null, { timeout: 10_000 }).toBe(true);
  return { link: match![1], token: match![2] };
}

const shot = (page: Page, name: string) => page.screenshot({ path: `e2e/.output/screenshots/${name}.png`, fullPage: true });

test('with no administrator the home page says how to get in', async ({ page }) => {
  await page.goto(`${origin}/`);
  const firstRun = page.locator('section', { hasText: 'First run' });
  await expect(firstRun).toContainText('No administrator exists yet');
  await expect(firstRun).toContainText('setup link');
  await expect(firstRun).toContainText('npx gatehouse admin create');
  await screenshotAndAxe(page, 'first-run-home');
});

test('the start log prints the setup link once, and the icons are served', async ({ request }) => {
  const { token } = await printedLink();
  const log = fs.readFileSync(logFile, 'utf8');
  expect(log.split(token).length - 1, 'the token appears in exactly one log line').toBe(1);
  const line = log.split('\n').find((l) => l.includes(token))!;
  expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: expect.stringContaining('within 15 minutes') });

  const ico = await request.get(`${origin}/favicon.ico`);
  expect(ico.status()).toBe(200);
  expect(ico.headers()['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
  expect((await ico.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  const svg = await request.get(`${origin}/icon.svg`);
  expect(svg.status()).toBe(200);
  expect(svg.headers()['content-type']).toMatch(/^image\/svg\+xml/);
  const html = await (await request.get(`${origin}/`)).text();
  expect(html).toMatch(/<link rel="icon" href="\/favicon\.ico"/);
  expect(html).toMatch(/<link rel="icon" href="\/icon\.svg" type="image\/svg\+xml"/);
});

test('/setup without the link offers no form', async ({ page }) => {
  await page.goto(`${origin}/setup`);
  await expect(page.getByRole('alert').filter({ hasText: 'one-time link' })).toContainText('the one-time link the server printed');
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
});

test('the setup link creates the first administrator and ends signed in on /admin', async ({ page }) => {
  const { link, token } = await printedLink();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Create the first administrator' })).toBeVisible();
  // The token leaves the address bar once the page has read it.
  await expect.poll(() => page.url()).toBe(`${origin}/setup`);
  await page.getByLabel('Email').fill('root@example.com');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(`${PASSWORD}?`);
  await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
  await expect(page.getByText('the two passwords differ')).toBeVisible();
  await screenshotAndAxe(page, 'first-run-setup');

  await page.getByLabel('Password again').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
  await expect(page).toHaveURL(`${origin}/admin`);
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toHaveText('root@example.com');
  await screenshotAndAxe(page, 'first-run-admin');
  expect(page.url()).not.toContain(token);
});

test('once an administrator exists the link and /setup say so, and the home page no longer shows the first run', async ({ browser }) => {
  const { link } = await printedLink();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Gatehouse is set up' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/local-login?callbackUrl=/admin');
  await expect(page.getByLabel('Email')).toHaveCount(0);
  await shot(page, 'first-run-already-set-up');
  await page.goto(`${origin}/`);
  await expect(page.getByText('No administrator exists yet')).toHaveCount(0);
  await context.close();
});
