// Sign-in and the three-layer sign-out, end to end behind a real
// reverse proxy: nginx with auth_request → stand-in oauth2-proxy → stand-in
// Cognito (node-oidc-provider), in front of a Gatehouse of its own
// (e2e/fixtures/edge-topology.ts). Screenshots: e2e/.output/screenshots/edge-*.png.
import { expect, request as playwrightRequest, test as base, type BrowserContext, type Page } from '@playwright/test';
import { EDGE_ADMIN_GROUP, startEdgeTopology, type EdgeTopology } from '../fixtures/edge-topology';

/** A fresh address per test run, so tests (and --repeat-each) never share a user. */
const unique = (name: string) => `${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
/** Users whose address starts with "staff-admin." are in Cognito's admin group. */
const groupsFor = (email: string) => (email.startsWith('staff-admin.') ? [EDGE_ADMIN_GROUP, 'staff'] : []);
const LOCAL_ADMIN_PASSWORD = 'correct horse battery staple';

const test = base.extend<object, { edge: EdgeTopology }>({
  edge: [
    async ({}, use) => {
      const edge = await startEdgeTopology({ groupsFor });
      try {
        await use(edge);
      } finally {
        await edge.stop();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

type Me = { user: { id: string; email: string; isAdmin: boolean; createdVia: string } | null };

const shot = (page: Page, name: string) => page.screenshot({ path: `e2e/.output/screenshots/edge-${name}.png`, fullPage: true });

async function cookieNames(context: BrowserContext, url: string): Promise<string[]> {
  return (await context.cookies(url)).map((c) => c.name);
}

async function expectCognitoLoginForm(page: Page, edge: EdgeTopology): Promise<void> {
  await expect(page).toHaveURL((url) => url.href.startsWith(`${edge.cognitoIssuer}/interaction/`));
  await expect(page.getByRole('heading', { name: 'Sign in to Stand-in Cognito' })).toBeVisible();
}

async function submitCognitoLogin(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens `path` through nginx and signs in at the stand-in Cognito. */
async function signInThroughEdge(page: Page, edge: EdgeTopology, email: string, path = '/'): Promise<void> {
  await page.goto(`${edge.origin}${path}`);
  await expectCognitoLoginForm(page, edge);
  await submitCognitoLogin(page, email);
  await expect(page).toHaveURL(`${edge.origin}${path}`);
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
}

test('a new user opens Gatehouse through nginx, signs in at Cognito once and lands in Gatehouse provisioned', async ({ page, context, edge }) => {
  const newUser = unique('staff-admin.new');
  const logins = edge.cognito().loginCount();
  const prompts = edge.cognito().loginPromptCount();

  await page.goto(`${edge.origin}/`);
  await expectCognitoLoginForm(page, edge);
  await shot(page, '1-cognito-login');
  expect(edge.query('SELECT id FROM "User" WHERE email = ?', newUser)).toHaveLength(0);

  await submitCognitoLogin(page, newUser);
  await expect(page).toHaveURL(`${edge.origin}/`);
  await expect(page.getByTestId('signed-in-as')).toHaveText(newUser);
  // cognito:groups → X-Auth-Request-Groups → GATEHOUSE_ADMIN_GROUPS.
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();
  await shot(page, '1-signed-in');

  // One login at Cognito, no second one anywhere (Gatehouse asked for nothing).
  expect(edge.cognito().loginCount()).toBe(logins + 1);
  expect(edge.cognito().loginPromptCount()).toBe(prompts + 1);
  expect(edge.cognito().logins().at(-1)?.email).toBe(newUser);
  const users = edge.query<{ id: string; username: string; isAdmin: number; createdVia: string }>('SELECT id, username, isAdmin, createdVia FROM "User" WHERE email = ?', newUser);
  expect(users).toEqual([expect.objectContaining({ username: newUser.split('@')[0], createdVia: 'forward_auth' })]);
  expect(Boolean(users[0].isAdmin)).toBe(true);
  expect(await cookieNames(context, edge.origin)).toEqual(expect.arrayContaining(['_oauth2_proxy', 'gatehouse.session']));

  // Moving around stays signed in, without going back to Cognito.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account', exact: true }).click();
  await expect(page).toHaveURL(`${edge.origin}/account`);
  await expect(page.getByTestId('signed-in-as')).toHaveText(newUser);
  const me = (await (await page.request.get(`${edge.origin}/api/me`)).json()) as Me;
  expect(me.user).toMatchObject({ email: newUser, isAdmin: true, createdVia: 'forward_auth' });
  expect(edge.cognito().loginCount()).toBe(logins + 1);
  expect(edge.query('SELECT id FROM "User" WHERE email = ?', newUser)).toHaveLength(1);
  await shot(page, '1-account');
});

test('the way back after signing in keeps the whole URL, query included', async ({ page, edge }) => {
  // An OAuth authorize request has many parameters; a ?rd= built from the raw URI would keep only the first.
  await signInThroughEdge(page, edge, unique('deep.linker'), '/account?first=1&second=2');
});

test('sign out ends on /signed-out, and all three sessions are gone', async ({ page, context, edge }) => {
  const leaver = unique('leaver');
  await signInThroughEdge(page, edge, leaver);
  const cognito = edge.cognito();
  expect(cognito.activeSessionCount(leaver)).toBe(1);
  expect(await cookieNames(context, edge.cognitoIssuer)).toContain('_session');
  const [logins, logouts, proxySignOuts] = [cognito.loginCount(), cognito.logoutCount(), edge.oauth2Proxy().signOutCount()];
  const userId = edge.query<{ id: string }>('SELECT id FROM "User" WHERE email = ?', leaver)[0].id;

  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${edge.origin}/signed-out`);
  await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
  await expect(page.getByText('Not signed in')).toBeVisible();
  // The header's icon is a public path at the edge too: it loads without a session.
  await expect.poll(() => page.getByRole('banner').locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await shot(page, '2-signed-out');

  // The chain went through every layer: Gatehouse → oauth2-proxy → Cognito → landing page.
  expect(edge.oauth2Proxy().signOutCount()).toBe(proxySignOuts + 1);
  expect(cognito.logoutCount()).toBe(logouts + 1);
  // 1. Gatehouse's session cookie, 2. oauth2-proxy's cookie, 3. Cognito's session (server side and cookie).
  const appCookies = await cookieNames(context, edge.origin);
  expect(appCookies).not.toContain('gatehouse.session');
  expect(appCookies).not.toContain('_oauth2_proxy');
  expect(cognito.activeSessionCount(leaver)).toBe(0);
  expect(await cookieNames(context, edge.cognitoIssuer)).not.toContain('_session');
  expect(edge.query('SELECT id FROM "AuditEvent" WHERE action = ? AND targetId = ?', 'user.signed_out', userId)).toHaveLength(1);

  // Opening Gatehouse again asks Cognito for a fresh login.
  await page.getByRole('link', { name: 'Sign in again' }).click();
  await expectCognitoLoginForm(page, edge);
  expect(cognito.loginCount()).toBe(logins);
  await shot(page, '2-fresh-login');
  await submitCognitoLogin(page, leaver);
  await expect(page).toHaveURL(`${edge.origin}/`);
  await expect(page.getByTestId('signed-in-as')).toHaveText(leaver);
  expect(cognito.loginCount()).toBe(logins + 1);
  await shot(page, '2-signed-in-again');
});

test('next-auth’s own /api/auth/signout goes down the same three layers, not straight back in', async ({ page, context, edge }) => {
  const leaver = unique('nextauth.leaver');
  await signInThroughEdge(page, edge, leaver);
  const cognito = edge.cognito();
  const [logins, logouts, proxySignOuts] = [cognito.loginCount(), cognito.logoutCount(), edge.oauth2Proxy().signOutCount()];

  // A public path at the edge (nginx passes /api/auth/* without auth_request): it asks on Gatehouse's own page.
  await page.goto(`${edge.origin}/api/auth/signout`);
  await expect(page).toHaveURL(`${edge.origin}/sign-out`);
  await expect(page.getByRole('heading', { name: 'Sign out of Gatehouse?' })).toBeVisible();
  await shot(page, '5-nextauth-signout');
  await page.getByRole('main').getByRole('button', { name: 'Sign out' }).click();

  await expect(page).toHaveURL(`${edge.origin}/signed-out`);
  expect(edge.oauth2Proxy().signOutCount()).toBe(proxySignOuts + 1);
  expect(cognito.logoutCount()).toBe(logouts + 1);
  expect(cognito.activeSessionCount(leaver)).toBe(0);
  const appCookies = await cookieNames(context, edge.origin);
  expect(appCookies).not.toContain('gatehouse.session');
  expect(appCookies).not.toContain('_oauth2_proxy');
  // Opening Gatehouse again needs a fresh login at Cognito.
  await page.goto(`${edge.origin}/`);
  await expectCognitoLoginForm(page, edge);
  expect(cognito.loginCount()).toBe(logins);
});

test('a request made while the sign-out chain runs does not sign the user back in', async ({ page, context, edge }) => {
  await signInThroughEdge(page, edge, unique('racer'));
  await page.waitForLoadState('networkidle');
  const csrf = await page.getByRole('banner').locator('input[name="csrf"]').inputValue();

  // Step 1 of the chain, with the browser not yet at step 2 (oauth2-proxy's /oauth2/sign_out).
  const signOut = await page.request.post(`${edge.origin}/sign-out`, { form: { csrf }, headers: { Origin: edge.origin }, maxRedirects: 0 });
  expect(signOut.status()).toBe(303);
  expect(signOut.headers().location).toMatch(new RegExp(`^${edge.origin}/oauth2/sign_out\\?rd=`));
  expect(await cookieNames(context, edge.origin)).not.toContain('gatehouse.session');

  // What a prefetch, or another tab, sends in that moment: oauth2-proxy's cookie is still valid.
  const me = (await (await page.request.get(`${edge.origin}/api/me`)).json()) as Me;
  expect(me.user).toBeNull();
  expect(await cookieNames(context, edge.origin)).not.toContain('gatehouse.session');
});

test('the edge serves the first-run page and the icons without a session', async ({ request, edge }) => {
  for (const [path, type] of [['/setup', /^text\/html/], ['/icon.svg', /^image\/svg\+xml/], ['/favicon.ico', /^image\//]] as const) {
    const res = await request.get(`${edge.origin}${path}`, { maxRedirects: 0 });
    expect(res.status(), path).toBe(200);
    expect(res.headers()['content-type'], path).toMatch(type);
  }
});

test('a request that reaches Gatehouse directly with forged identity headers is anonymous', async ({ browser, edge }) => {
  const forged = { 'X-Auth-Request-Email': 'forged@example.com', 'X-Auth-Request-User': 'forged', 'X-Auth-Request-Groups': EDGE_ADMIN_GROUP };

  // Straight to Gatehouse's port, around nginx.
  const direct = await playwrightRequest.newContext();
  for (const headers of [forged, { ...forged, 'X-Gatehouse-Proxy-Secret': 'a-guess-at-the-secret-0000' }]) {
    const res = await direct.get(`${edge.gatehouseUrl}/api/me`, { headers });
    expect(res.status()).toBe(200);
    expect(((await res.json()) as Me).user).toBeNull();
    expect(res.headers()['set-cookie']).toBeUndefined();
  }
  await direct.dispose();
  const context = await browser.newContext({ extraHTTPHeaders: forged });
  const page = await context.newPage();
  await page.goto(`${edge.gatehouseUrl}/`);
  await expect(page.getByText('Not signed in')).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toHaveCount(0);
  await shot(page, '3-forged-direct');
  await context.close();

  // Through nginx, client-sent identity never passes: not on a public path, even with the real secret …
  const anonymous = await playwrightRequest.newContext();
  const leaked = await anonymous.get(`${edge.origin}/api/auth/session`, { headers: { ...forged, 'X-Gatehouse-Proxy-Secret': edge.proxySecret } });
  expect(leaked.status()).toBe(200);
  expect(await leaked.json()).toEqual({});
  expect(leaked.headers()['set-cookie'] ?? '').not.toContain('gatehouse.session=');
  await anonymous.dispose();
  expect(edge.query('SELECT id FROM "User" WHERE email = ?', 'forged@example.com')).toHaveLength(0);

  // … and not on a protected one, where oauth2-proxy's answer replaces it.
  const signedIn = await browser.newContext();
  const signedInPage = await signedIn.newPage();
  const signedInUser = unique('signed.in');
  await signInThroughEdge(signedInPage, edge, signedInUser);
  const me = (await (await signedIn.request.get(`${edge.origin}/api/me`, { headers: forged })).json()) as Me;
  expect(me.user).toMatchObject({ email: signedInUser, isAdmin: false });
  await signedIn.close();
  expect(edge.query('SELECT id FROM "User" WHERE email = ?', 'forged@example.com')).toHaveLength(0);
});

test('the local admin can sign in at /local-login with the SSO edge stopped', async ({ browser, edge }) => {
  const localAdmin = unique('breakglass');
  await edge.createLocalAdmin(localAdmin, LOCAL_ADMIN_PASSWORD);
  await edge.stopEdge();
  try {
    // nginx fails closed: with oauth2-proxy gone, protected paths are an error, never let through.
    const probe = await playwrightRequest.newContext();
    const closed = await probe.get(`${edge.origin}/`, { maxRedirects: 0 });
    expect(closed.status()).toBe(500);
    await probe.dispose();

    const context = await browser.newContext();
    const page = await context.newPage();
    // The public /local-login location does not depend on the edge …
    await page.goto(`${edge.origin}/local-login`);
    await expect(page.getByRole('heading', { name: 'Administrator sign-in' })).toBeVisible();
    await shot(page, '4-local-login-through-nginx');

    // … and break-glass sign-in works on Gatehouse itself while the edge is down.
    await page.goto(`${edge.gatehouseUrl}/local-login`);
    await page.getByLabel('Email').fill(localAdmin);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await page.getByLabel('Password').fill(LOCAL_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${edge.gatehouseUrl}/`);
    await expect(page.getByTestId('signed-in-as')).toHaveText(localAdmin);
    await expect(page.getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
    await shot(page, '4-local-admin-signed-in');

    const me = (await (await page.request.get(`${edge.gatehouseUrl}/api/me`)).json()) as Me;
    expect(me.user).toMatchObject({ email: localAdmin, isAdmin: true, createdVia: 'local' });
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
    await shot(page, '4-local-admin-console');
    await context.close();
  } finally {
    await edge.startEdge();
  }
});
