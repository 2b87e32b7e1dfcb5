// Admin: a key-based machine client (private_key_jwt) — created from a pasted
// JWK Set (a private key refused with the reason on its field), no secret
// shown, its keys listed on its page and replaced there; it then gets a
// client_credentials token with an assertion signed by the new key only.
import { expect, test, type Page } from '@playwright/test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { anonymousApi, ISSUER, unique } from '../fixtures/oauth';
import { screenshotAndAxe } from '../fixtures/page-checks';
import { E2E_ADMIN_EMAIL, edgeHeaders } from '../fixtures/server-env';

test.describe.configure({ timeout: 120_000 });

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' }, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

const assertion = (clientId: string, k: { privateKey: CryptoKey; kid: string }) =>
  new SignJWT({ iss: clientId, sub: clientId, aud: ISSUER, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: k.kid }).setIssuedAt().setExpirationTime('1m').sign(k.privateKey);

async function tokenStatus(clientId: string, k: { privateKey: CryptoKey; kid: string }): Promise<number> {
  const api = await anonymousApi();
  const form = { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(clientId, k) };
  return (await api.post('/oauth/token', { form })).status();
}

test('an admin creates a key-based client from a JWK Set, sees no secret, and replaces its keys', async ({ browser }) => {
  const first = await key('first');
  const second = await key('second');
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  const page: Page = await context.newPage();
  await page.goto('/admin/clients');
  const create = page.getByRole('form', { name: 'Create a client' });
  const name = unique('CI job');
  await create.getByLabel('Name').fill(name);
  await create.getByRole('radio', { name: /Key-based \(private_key_jwt\)/ }).check();
  await create.getByLabel('mcp:tools').check();

  // A private key pasted by mistake: refused, saying why, on the field.
  await create.getByLabel('JWK Set').fill(JSON.stringify({ keys: [first.privateJwk] }));
  await create.getByRole('button', { name: 'Create client' }).click();
  await expect(page.getByText('the JWK Set key 1: must be a public key: remove the private member d')).toBeVisible();
  await expect(create.getByLabel('JWK Set')).toHaveAttribute('aria-invalid', 'true');
  await screenshotAndAxe(page, 'admin-key-based-client-error');

  await create.getByLabel('JWK Set').fill(JSON.stringify({ keys: [first.publicJwk] }));
  await create.getByRole('button', { name: 'Create client' }).click();
  const created = page.getByTestId('created-client');
  await expect(created).toContainText('A key-based client has no secret');
  await expect(page.getByTestId('new-client-secret')).toHaveCount(0);
  const clientId = (await page.getByTestId('new-client-id').textContent())!;
  await screenshotAndAxe(page, 'admin-key-based-client-created');
  expect(await tokenStatus(clientId, first)).toBe(200);

  await created.getByRole('link', { name: 'Open it' }).click();
  await expect(page.getByText('key-based (private_key_jwt, no secret)')).toBeVisible();
  await expect(page.getByTestId('client-keys')).toContainText('EC · P-256 · ES256 · kid first');
  await expect(page.getByRole('button', { name: /Rotate secret/ })).toHaveCount(0);
  const replace = page.getByRole('form', { name: "Replace the client's keys" });
  await replace.getByLabel('JWK Set').fill(JSON.stringify({ keys: [second.publicJwk] }));
  await replace.getByRole('button', { name: 'Replace keys' }).click();
  await expect(page.getByText('Keys replaced')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('client-keys')).toContainText('kid second');
  await screenshotAndAxe(page, 'admin-key-based-client-detail');
  expect(await tokenStatus(clientId, second)).toBe(200);
  expect(await tokenStatus(clientId, first)).toBe(401);
  await context.close();
});
