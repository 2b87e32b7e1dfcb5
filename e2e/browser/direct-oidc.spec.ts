// Direct OIDC sign-in: a deployment with Cognito but no oauth2-proxy.
// Gatehouse is an OIDC client of the stand-in Cognito through next-auth.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startCognito, type StandInCognito } from '../edge/cognito';
import { baseEnv, runDirectory, stopChild, waitForReady } from '../fixtures/edge-topology';
import { freeLoopbackPort } from '../fixtures/ports';

let cognito: StandInCognito;
let gatehouse: ChildProcess;
let origin: string;

test.beforeAll(async () => {
  const port = await freeLoopbackPort();
  origin = `http://localhost:${port}`;
  cognito = await startCognito({
    client: { clientId: 'gatehouse-direct', clientSecret: 'direct-oidc-client-secret', redirectUris: [`${origin}/api/auth/callback/oidc`], logoutUris: [`${origin}/signed-out`] },
    groupsFor: (email) => (email.startsWith('boss') ? ['gatehouse-admins'] : []),
  });
  const dir = runDirectory();
  const logFile = path.join(dir, 'gatehouse-direct-oidc.log');
  const log = fs.openSync(logFile, 'w');
  gatehouse = spawn(process.execPath, ['bin/gatehouse.mjs', 'serve'], {
    env: {
      ...baseEnv(),
      PORT: String(port),
      DATABASE_URL: `file:${path.join(dir, 'direct-oidc.db')}`,
      GATEHOUSE_ISSUER: origin,
      GATEHOUSE_OIDC_ISSUER: cognito.issuer,
      GATEHOUSE_OIDC_CLIENT_ID: 'gatehouse-direct',
      GATEHOUSE_OIDC_CLIENT_SECRET: 'direct-oidc-client-secret',
      GATEHOUSE_ADMIN_GROUPS: 'gatehouse-admins',
      GATEHOUSE_LOCAL_LOGIN: 'false',
    } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', log, log],
  });
  await waitForReady(`${origin}/readyz`, gatehouse, logFile, 60_000);
});

test.afterAll(async () => {
  if (gatehouse) await stopChild(gatehouse, 10_000);
  await cognito?.stop();
});

test('a user signs in through the OIDC provider and is provisioned, admin by group', async ({ page }) => {
  const email = `boss.${Date.now().toString(36)}@example.com`;
  await page.goto(`${origin}/local-login?callbackUrl=/account`);
  // Local login is off here: only single sign-on is offered.
  await expect(page.getByRole('heading', { name: 'Administrator sign-in' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(`${cognito.issuer}/interaction/`));
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL(`${origin}/account`);
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  await expect(page.getByTestId('profile-signed-in-via')).toHaveText('oidc');
  await expect(page.getByTestId('profile-role')).toHaveText('Administrator');
  await page.screenshot({ path: 'e2e/.output/screenshots/direct-oidc-signed-in.png', fullPage: true });
  expect(cognito.loginCount()).toBeGreaterThanOrEqual(1);
});

test('with local login off, /local-login offers no password form', async ({ request }) => {
  const html = await (await request.get(`${origin}/local-login`)).text();
  expect(html).toContain('Sign in with single sign-on');
  expect(html).not.toContain('type="password"');
});
