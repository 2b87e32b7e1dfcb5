// Admin: resource servers — register (the URL checked as the core checks a
// resource), edit, delete with a confirmation. Once one is registered, a client
// asking for any other resource gets invalid_target (RFC 8707 §2) and
// the registered one becomes the tokens' audience. Non-admins get 403.
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import {
  API_REDIRECT_URI,
  ISSUER,
  adminPublicClientFromCli,
  authorizePath,
  pkcePair,
  signedInApi,
  tokensFor,
  unique,
  uniqueEmail,
  verifyAccessToken,
} from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, E2E_DATABASE_FILE, edgeHeaders } from '../fixtures/server-env';

const HOST_PREFIX = 'rs-e2e-';

// Other specs share this server: a registered resource server left behind would
// make their resources invalid_target. Whatever this spec registered goes.
test.afterEach(() => {
  const db = new Database(E2E_DATABASE_FILE, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare(`DELETE FROM "ResourceServer" WHERE url LIKE ?`).run(`https://${HOST_PREFIX}%`);
  } finally {
    db.close();
  }
});

test('registering a resource server makes every other resource invalid_target; the registered one becomes the audience', async ({ browser }) => {
  const host = `${HOST_PREFIX}${Date.now().toString(36)}.example.com`;
  const url = `https://${host}/mcp`;
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Resource servers' }).click();
  await expect(page.getByRole('heading', { name: 'Resource servers', level: 1 })).toBeVisible();
  await expect(page.getByTestId('resource-policy')).toContainText('None registered');
  const create = page.getByRole('form', { name: 'Register a resource server' });

  // The URL is checked as the protocol checks a resource.
  await create.getByLabel('Canonical URL').fill(`http://${host}/mcp`);
  await create.getByLabel('Name').fill('Docs MCP');
  await create.getByRole('button', { name: 'Register resource server' }).click();
  await expect(create.getByText('must be an https URL')).toBeVisible();
  await create.getByLabel('Canonical URL').fill(`${url}#section`);
  await create.getByRole('button', { name: 'Register resource server' }).click();
  await expect(create.getByText('must not contain a fragment')).toBeVisible();
  await expect(create.getByLabel('Name')).toHaveValue('Docs MCP');

  // Scheme and host are stored lower-cased (RFC 3986 §6.2.2.1).
  await create.getByLabel('Canonical URL').fill(`HTTPS://${host.toUpperCase()}/mcp`);
  await create.getByLabel('mcp:tools').check();
  await create.getByRole('button', { name: 'Register resource server' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Docs MCP registered' })).toBeVisible();
  const row = page.getByTestId('resource-server-row').filter({ hasText: url });
  await expect(row).toContainText('Docs MCP');
  await expect(row).toContainText('mcp:tools');
  await expect(page.getByTestId('resource-policy')).toContainText('1 registered');

  await create.getByLabel('Canonical URL').fill(url);
  await create.getByLabel('Name').fill('Again');
  await create.getByRole('button', { name: 'Register resource server' }).click();
  await expect(create.getByText('A resource server with this URL is registered')).toBeVisible();

  // The protocol: another resource is refused, the registered one is the audience.
  // An administrator's client, so the refusal goes straight back to it (RFC 9700 §4.11.2).
  const client = await adminPublicClientFromCli('Resource-bound client');
  const user = await signedInApi(uniqueEmail('audience'));
  const state = unique('state');
  const refused = await user.get(
    authorizePath({ response_type: 'code', client_id: client.client_id, redirect_uri: API_REDIRECT_URI, scope: 'mcp:tools', state, resource: `https://not-${host}/mcp`, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
    { maxRedirects: 0 },
  );
  expect(refused.status(), await refused.text()).toBe(303);
  const location = new URL(refused.headers()['location']);
  expect(location.searchParams.get('error')).toBe('invalid_target');
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(ISSUER);

  const { tokens } = await tokensFor(client.client_id, { resource: url });
  const { payload } = await verifyAccessToken(tokens.access_token, url);
  expect(payload.aud).toBe(url);

  // Edit the name; the consent page shows it for the resource.
  await row.getByRole('button', { name: 'Edit Docs MCP' }).click();
  const edit = page.getByRole('form', { name: 'Edit Docs MCP' });
  await edit.getByLabel('Name').fill('Documentation MCP');
  await edit.getByRole('button', { name: 'Save resource server' }).click();
  await expect(row).toContainText('Documentation MCP');
  await screenshotAndAxe(page, 'admin-resource-servers');

  // Delete with a confirmation: the last one, so any valid resource is accepted again.
  await row.getByRole('button', { name: 'Delete Documentation MCP' }).click();
  await expect(page.getByText('It is the last one registered')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm delete Documentation MCP' }).click();
  await expect(page.getByTestId('resource-server-row')).toHaveCount(0);
  await expect(page.getByTestId('resource-policy')).toContainText('None registered');
  const other = `https://not-${host}/mcp`;
  const code = await user.get(
    authorizePath({ response_type: 'code', client_id: client.client_id, redirect_uri: API_REDIRECT_URI, scope: 'mcp:tools', state, resource: other, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
    { maxRedirects: 0 },
  );
  // Accepted again: the consent page (200), not an error redirect.
  expect(code.status()).toBe(200);

  await page.goto('/admin/audit?action=resource_server.');
  await expect(page.getByTestId('audit-row').filter({ hasText: 'resource_server.deleted' }).first()).toContainText(E2E_ADMIN_EMAIL);
  await user.dispose();
  await context.close();
});

test('resource servers are for admins only', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('nosy')) });
  expect((await (await context.newPage()).goto('/admin/resource-servers'))?.status()).toBe(403);
  await context.close();
});
