// Admin: clients — create (field errors kept), edit, rotate the secret (the old
// one stops at once), disable and enable, delete with what goes, the active
// grants and revoking them all, re-registration groups, pruning unused dynamic
// clients with a preview, approving a self-registered client, a deleted
// metadata-document client staying blocked until unblocked, requiring
// DPoP-bound tokens (RFC 9449 §5.2), and admins only (pages and actions).
import Database from 'better-sqlite3';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { recordIssuedSecret } from '../fixtures/issued-secrets';
import { API_REDIRECT_URI, ISSUER, anonymousApi, authorizePath, basicAuthorization, introspectionClientFromCli, pkcePair, registerClient, tokensFor, unique, uniqueEmail } from '../fixtures/oauth';
import { serveClientMetadataDocument } from '../fixtures/loopback-servers';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { dpopProof, newDpopKey } from '../../tests/helpers/dpop';
import { E2E_ADMIN_EMAIL, E2E_DATABASE_FILE, edgeHeaders } from '../fixtures/server-env';

const DAY = 86_400_000;

// Each test walks through several pages on a machine shared with other suites.
test.describe.configure({ timeout: 120_000 });

/** Moves a client's registration (and last use) into the past, as time would: pruning looks at both. */
function ageClient(clientId: string, daysAgo: number): void {
  const at = new Date(Date.now() - daysAgo * DAY).toISOString().replace('Z', '+00:00');
  const db = new Database(E2E_DATABASE_FILE, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare(`UPDATE "Client" SET createdAt = ?, lastUsedAt = CASE WHEN lastUsedAt IS NULL THEN NULL ELSE ? END WHERE clientId = ?`).run(at, at, clientId);
  } finally {
    db.close();
  }
}

async function clientCredentials(api: APIRequestContext, clientId: string, secret: string, dpop?: string) {
  const res = await api.post('/oauth/token', { form: { grant_type: 'client_credentials' }, headers: { Authorization: basicAuthorization(clientId, secret), ...(dpop ? { DPoP: dpop } : {}) } });
  const body = (await res.json()) as { access_token?: string; token_type?: string; error?: string };
  recordIssuedSecret(body.access_token);
  return { status: res.status(), body };
}

async function adminPage(browser: import('@playwright/test').Browser): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  return { page: await context.newPage(), close: () => context.close() };
}

test('an admin creates a confidential client, edits it, rotates its secret, disables, enables and deletes it', async ({ browser }) => {
  const api = await anonymousApi();
  const rs = await introspectionClientFromCli();
  const introspect = async (token: string) =>
    (await (await api.post('/oauth/introspect', { form: { token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } })).json()) as { active: boolean };
  const name = unique('Backend');
  const { page, close } = await adminPage(browser);
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Clients', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Clients', level: 1 })).toBeVisible();

  // A redirect URI registration would refuse: the error names it and what was typed stays.
  const create = page.getByRole('form', { name: 'Create a client' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Redirect URIs').fill('http://evil.example/cb');
  await create.getByRole('radio', { name: /Confidential/ }).check();
  await create.getByRole('button', { name: 'Create client' }).click();
  await expect(page.getByText('redirect URI http://evil.example/cb http is allowed only on loopback addresses')).toBeVisible();
  await expect(create.getByLabel('Name')).toHaveValue(name);
  await expect(create.getByRole('radio', { name: /Confidential/ })).toBeChecked();

  await create.getByLabel('Redirect URIs').fill('');
  await create.getByLabel('client_credentials').check();
  // A machine client gets only the scopes an admin gives it.
  await create.getByLabel('mcp:tools').check();
  await create.getByRole('button', { name: 'Create client' }).click();
  const created = page.getByTestId('created-client');
  await expect(created).toContainText(`Client ${name} created`);
  await expect(created).toContainText('it will not be shown again');
  const clientId = (await page.getByTestId('new-client-id').textContent())!;
  const secret = (await page.getByTestId('new-client-secret').textContent())!;
  recordIssuedSecret(secret);
  expect(secret).toMatch(/^gh_cs_/);
  // The list shows it at once (the query is refreshed after the change).
  await expect(page.getByTestId('client-row').filter({ hasText: clientId })).toContainText('never');
  await screenshotAndAxe(page, 'admin-clients');

  const first = await clientCredentials(api, clientId, secret);
  expect(first.status).toBe(200);
  expect((await introspect(first.body.access_token!)).active).toBe(true);

  // The client page.
  await created.getByRole('link', { name: 'Open it' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByText(clientId, { exact: true })).toBeVisible();
  await screenshotAndAxe(page, 'admin-client-detail');

  // Edit: a wildcard redirect is refused; then a new name and a scope are saved.
  const edit = page.getByRole('form', { name: 'Edit the client' });
  await edit.getByLabel('Redirect URIs').fill('https://*.example.com/cb');
  await edit.getByRole('checkbox', { name: /^authorization_code/ }).check();
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit.getByText('must not contain wildcards')).toBeVisible();
  await edit.getByLabel('Redirect URIs').fill('');
  await edit.getByRole('checkbox', { name: /^authorization_code/ }).uncheck();
  await edit.getByLabel('Name').fill(`${name} (renamed)`);
  await edit.getByLabel('mcp:tools').check();
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { name: `${name} (renamed)`, level: 1 })).toBeVisible();
  await expect(page.getByText('Saved.')).toBeVisible();

  // Rotate: asked once more; the new secret is shown once; the old one stops at once.
  await page.getByRole('button', { name: 'Rotate secret…' }).click();
  await expect(page.getByText('The current secret stops working at once')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm: rotate secret' }).click();
  const rotated = (await page.getByTestId('rotated-client-secret').textContent())!;
  recordIssuedSecret(rotated);
  expect(rotated).not.toBe(secret);
  await expect(page.getByText('it will not be shown again')).toBeVisible();
  const old = await clientCredentials(api, clientId, secret);
  expect(old.status).toBe(401);
  expect(old.body.error).toBe('invalid_client');
  const renewed = await clientCredentials(api, clientId, rotated);
  expect(renewed.status).toBe(200);
  await screenshotAndAxe(page, 'admin-client-rotated');

  // Disable: token endpoint refuses, its tokens stop introspecting as active; enable restores.
  await page.getByRole('button', { name: 'Disable client…' }).click();
  await page.getByRole('button', { name: 'Confirm: disable client' }).click();
  await expect(page.getByText('This client is disabled.')).toBeVisible();
  expect((await clientCredentials(api, clientId, rotated)).body.error).toBe('invalid_client');
  expect((await introspect(renewed.body.access_token!)).active).toBe(false);
  await page.goto(`/admin/clients?q=${clientId}&status=disabled`);
  await expect(page.getByTestId('client-row')).toHaveCount(1);
  await page.getByTestId('client-row').getByRole('link').first().click();
  await page.getByRole('button', { name: 'Enable client' }).click();
  await expect(page.getByRole('button', { name: 'Disable client…' })).toBeVisible();
  expect((await introspect(renewed.body.access_token!)).active).toBe(true);

  // Delete: the confirmation says what goes; then the client is gone.
  await page.getByRole('button', { name: 'Delete client…' }).click();
  await expect(page.getByTestId('delete-impact')).toContainText('0 grants (0 active)');
  await expect(page.getByTestId('delete-impact')).toContainText('live access token');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Delete client…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete client' }).click();
  await page.waitForURL(/\/admin\/clients\?notice=deleted$/);
  await expect(page.getByText('The client was deleted')).toBeVisible();
  await page.getByLabel('Search clients').fill(clientId);
  await expect(page.getByText('No client matches')).toBeVisible();
  expect((await clientCredentials(api, clientId, rotated)).body.error).toBe('invalid_client');
  expect((await introspect(renewed.body.access_token!)).active).toBe(false);
  await close();
});

test('an admin creates a client that must use DPoP-bound tokens, and edits that setting off', async ({ browser }) => {
  const api = await anonymousApi();
  const key = await newDpopKey();
  const proof = () => dpopProof(key, new URL('/oauth/token', ISSUER).href);
  const name = unique('Bound machine');
  const { page, close } = await adminPage(browser);
  await page.goto('/admin/clients');
  const create = page.getByRole('form', { name: 'Create a client' });
  await create.getByLabel('Name').fill(name);
  await create.getByRole('radio', { name: /Confidential/ }).check();
  await create.getByLabel('client_credentials').check();
  await create.getByLabel('mcp:tools').check();
  const dpop = create.getByRole('checkbox', { name: 'Require DPoP-bound tokens (RFC 9449)' });
  await expect(dpop).toHaveAccessibleDescription(/must send a DPoP proof with every token request/);
  await dpop.check();
  await screenshotAndAxe(page, 'admin-client-create-dpop');
  await create.getByRole('button', { name: 'Create client' }).click();
  await expect(page.getByTestId('created-client')).toContainText(`Client ${name} created`);
  const clientId = (await page.getByTestId('new-client-id').textContent())!;
  const secret = (await page.getByTestId('new-client-secret').textContent())!;
  recordIssuedSecret(secret);

  // Without a proof the token endpoint refuses it; with one it gets a DPoP token.
  expect(await clientCredentials(api, clientId, secret)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  expect(await clientCredentials(api, clientId, secret, await proof())).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });

  await page.getByTestId('created-client').getByRole('link', { name: 'Open it' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByText('required (RFC 9449)')).toBeVisible();
  const edit = page.getByRole('form', { name: 'Edit the client' });
  await expect(edit.getByRole('checkbox', { name: 'Require DPoP-bound tokens (RFC 9449)' })).toBeChecked();
  await screenshotAndAxe(page, 'admin-client-detail-dpop');
  await edit.getByRole('checkbox', { name: 'Require DPoP-bound tokens (RFC 9449)' }).uncheck();
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByText('not required', { exact: true })).toBeVisible();
  expect(await clientCredentials(api, clientId, secret)).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
  await close();
});

test("a client's active grants are listed and revoked all at once", async ({ browser }) => {
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: unique('Granted MCP client') });
  const rs = await introspectionClientFromCli();
  const one = await tokensFor(client.client_id, { email: uniqueEmail('alice') });
  const two = await tokensFor(client.client_id, { email: uniqueEmail('bob') });
  const { page, close } = await adminPage(browser);
  await page.goto(`/admin/clients?q=${client.client_id}`);
  const row = page.getByTestId('client-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Dynamic');
  await expect(row).not.toContainText('never');
  await expect(row.getByRole('cell').nth(4)).toHaveText('2');
  await row.getByRole('link', { name: client.client_name }).click();
  await expect(page.getByText('Active grants (2)')).toBeVisible();
  await expect(page.getByTestId('grant-row')).toHaveCount(2);

  await page.getByRole('button', { name: 'Revoke all 2 grants…' }).click();
  await expect(page.getByText('Revoke all 2 active grants of this client?')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm: revoke 2 grants' }).click();
  await expect(page.getByText('Revoked 2 grants and their tokens.')).toBeVisible();
  await expect(page.getByText('No active grants', { exact: true })).toBeVisible();
  await screenshotAndAxe(page, 'admin-client-grants-revoked');

  for (const { tokens } of [one, two]) {
    const active = await api.post('/oauth/introspect', { form: { token: tokens.access_token }, headers: { Authorization: basicAuthorization(rs.client_id, rs.client_secret) } });
    expect(((await active.json()) as { active: boolean }).active).toBe(false);
    const refreshed = await api.post('/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: client.client_id } });
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
  }
  await close();
});

test('re-registrations are grouped, and unused dynamic clients are pruned after a preview — never one with a live grant', async ({ browser }) => {
  const api = await anonymousApi();
  const name = unique('Chatty MCP client');
  const redirect = `http://127.0.0.1:${40000 + Math.floor(Math.random() * 1000)}/callback`;
  const regs = [];
  for (let i = 0; i < 3; i++) regs.push(await registerClient(api, { client_name: name, redirect_uris: [redirect] }));
  await tokensFor(regs[2].client_id, { email: uniqueEmail('holder'), });
  // Old enough to prune, all three; the third still has a user's grant.
  for (const r of regs) ageClient(r.client_id, 45);

  const { page, close } = await adminPage(browser);
  await page.goto(`/admin/clients?q=${encodeURIComponent(name)}`);
  await expect(page.getByTestId('client-row')).toHaveCount(3);
  await page.getByTestId('client-row').first().getByRole('link', { name: /3 registrations/ }).click();
  await expect(page.getByText(`Registrations named “${name}” with the same redirect URIs.`)).toBeVisible();
  await expect(page.getByTestId('client-row')).toHaveCount(3);
  await screenshotAndAxe(page, 'admin-clients-group');

  // A bad duration is refused; a preview says how many, and nothing is gone yet.
  await page.getByLabel('Unused for').fill('soon');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByText('Give a duration of at least an hour')).toBeVisible();
  await page.getByLabel('Unused for').fill('30d');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('prune-result')).toHaveText('2 clients would be pruned.');
  await page.reload();
  await expect(page.getByTestId('client-row')).toHaveCount(3);

  await page.getByLabel('Unused for').fill('30d');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Confirm: prune 2 clients' }).click();
  await expect(page.getByTestId('prune-result')).toHaveText('Pruned 2 clients.');
  await expect(page.getByTestId('client-row')).toHaveCount(1);
  await expect(page.getByTestId('client-row')).toContainText(regs[2].client_id);
  await close();
});

test('an admin approves a self-registered client: until then its errors wait on a page for the user, afterwards they go back at once', async ({ browser }) => {
  const api = await anonymousApi();
  const stranger = await registerClient(api, { client_name: unique('Stranger MCP client') });
  const badRequest = authorizePath({ response_type: 'token', client_id: stranger.client_id, redirect_uri: API_REDIRECT_URI, state: 'st', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });

  // Not approved: the error is shown on a page naming the client and where it would go.
  const { page, close } = await adminPage(browser);
  await page.goto(badRequest);
  await expect(page.getByRole('heading', { name: `${stranger.client_name} made a request Gatehouse cannot accept` })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Return to 127.0.0.1:8976' })).toHaveAttribute('href', /error=unsupported_response_type/);
  await screenshotAndAxe(page, 'authorize-error-confirmation');

  // The list filters the clients no admin approved; the client page approves it.
  await page.goto(`/admin/clients?q=${stranger.client_id}&status=pending`);
  await expect(page.getByTestId('client-row')).toHaveCount(1);
  await page.getByTestId('client-row').getByRole('link').first().click();
  await expect(page.getByText('This client registered itself; no administrator has checked it.')).toContainText('127.0.0.1:8976');
  await screenshotAndAxe(page, 'admin-client-approval');
  await page.getByRole('button', { name: 'Approve client' }).click();
  await expect(page.getByText('Client approved.')).toBeVisible();
  await expect(page.getByText(new RegExp(`^approved .+ UTC by ${E2E_ADMIN_EMAIL}$`))).toBeVisible();
  await expect(page.getByRole('button', { name: 'Withdraw approval…' })).toBeVisible();
  await page.goto(`/admin/clients?q=${stranger.client_id}&status=pending`);
  await expect(page.getByText('No client matches')).toBeVisible();

  const res = await api.get(badRequest, { maxRedirects: 0 });
  expect(res.status()).toBe(303);
  expect(new URL(res.headers()['location']).searchParams.get('error')).toBe('unsupported_response_type');
  await close();
});

test('an empty search shows the empty state', async ({ browser }) => {
  const { page, close } = await adminPage(browser);
  await page.goto(`/admin/clients?q=${unique('nothing-like-this')}`);
  await expect(page.getByText('No client matches')).toBeVisible();
  await screenshotAndAxe(page, 'admin-clients-empty');
  await close();
});

test('clients are for admins only: pages answer 403 and actions refuse', async ({ browser }) => {
  const api = await anonymousApi();
  const victim = await registerClient(api, { client_name: unique('Victim') });
  // Capture the delete action as the admin's browser sends it, without letting it through.
  const { page, close } = await adminPage(browser);
  const { id } = await (async () => {
    await page.goto(`/admin/clients?q=${victim.client_id}`);
    await page.getByTestId('client-row').getByRole('link').first().click();
    await page.waitForURL(/\/admin\/clients\/[0-9a-f-]{36}$/);
    return { id: page.url().split('/').at(-1)! };
  })();
  await page.getByRole('button', { name: 'Delete client…' }).click();
  await page.route(`**/admin/clients/${id}`, (route) => (route.request().method() === 'POST' ? route.abort() : route.continue()));
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && Boolean(r.headers()['next-action'])),
    page.getByRole('button', { name: 'Confirm: delete client' }).click(),
  ]);
  await close();

  const nosy = await browser.newContext({ extraHTTPHeaders: edgeHeaders(`nosy.${Date.now()}@example.com`) });
  const nosyPage = await nosy.newPage();
  expect((await nosyPage.goto('/admin/clients'))?.status()).toBe(403);
  expect((await nosyPage.goto(`/admin/clients/${id}`))?.status()).toBe(403);
  const replay = await nosy.request.post(`/admin/clients/${id}`, {
    headers: { 'next-action': request.headers()['next-action'], 'content-type': request.headers()['content-type'], origin: new URL(request.url()).origin, accept: 'text/x-component' },
    data: request.postDataBuffer()!,
  });
  expect(replay.status()).toBe(403);
  await nosy.close();

  // The client is still there for the admin.
  const again = await adminPage(browser);
  expect((await again.page.goto(`/admin/clients/${id}`))?.status()).toBe(200);
  await expect(again.page.getByRole('heading', { name: victim.client_name, level: 1 })).toBeVisible();
  await again.close();
});

test('deleting a metadata-document client blocks its URL until an admin unblocks it', async ({ browser }) => {
  const name = unique('Document App');
  const document = await serveClientMetadataDocument((clientId) => ({ client_id: clientId, client_name: name, redirect_uris: ['http://127.0.0.1:8765/cb'], grant_types: ['authorization_code'] }));
  const api = await anonymousApi();
  // A code exchange with a code that does not exist: the client is resolved (and stored) first.
  const exchange = async () => {
    const res = await api.post('/oauth/token', { form: { grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: 'http://127.0.0.1:8765/cb', code_verifier: 'v'.repeat(43), client_id: document.clientId } });
    return { status: res.status(), body: (await res.json()) as { error: string; error_description?: string } };
  };
  const { page, close } = await adminPage(browser);
  try {
    expect((await exchange()).body.error).toBe('invalid_grant');
    await page.goto(`/admin/clients?q=${encodeURIComponent(name)}`);
    await page.getByRole('link', { name }).click();
    await page.getByRole('button', { name: 'Delete client…' }).click();
    await expect(page.getByText('Its metadata document URL is blocked too')).toBeVisible();
    await page.getByRole('button', { name: 'Confirm: delete client' }).click();
    await page.waitForURL(/\/admin\/clients\?notice=deleted-blocked$/);
    await expect(page.getByText('Its metadata document URL is blocked until you unblock it below.')).toBeVisible();
    const row = page.getByTestId('blocked-document').filter({ hasText: document.clientId });
    await expect(row).toContainText(name);
    await screenshotAndAxe(page, 'admin-clients-blocked-documents');

    const fetches = document.fetches;
    expect(await exchange()).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'this application has been blocked by an administrator' } });
    expect(document.fetches).toBe(fetches);

    await row.getByRole('button', { name: `Unblock ${name}` }).click();
    await expect(row).toHaveCount(0);
    expect((await exchange()).body.error).toBe('invalid_grant');
  } finally {
    await close();
    await document.close();
  }
});
