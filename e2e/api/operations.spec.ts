// Health, readiness and the security headers every page carries.
import { expect, test, type APIResponse } from '@playwright/test';
import { API_REDIRECT_URI, anonymousApi, authorizePath, consentTicket, pkcePair, registerClient, signedInApi, uniqueEmail } from '../fixtures/oauth';

test('/healthz says the process is up', async ({ request }) => {
  const res = await request.get('/healthz');
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});

test('/readyz says ready and nothing more; each check is a gauge in /metrics', async ({ request }) => {
  const res = await request.get('/readyz');
  expect(res.status()).toBe(200);
  expect(res.headers()['cache-control']).toBe('no-store');
  expect(await res.json()).toEqual({ status: 'ready' });
  const metrics = await (await request.get('/metrics')).text();
  expect(metrics).toContain('gatehouse_ready{check="database"} 1');
  expect(metrics).toContain('gatehouse_ready{check="migrations"} 1');
});

/** A page's own headers: a nonce-based CSP that forbids framing, every script carrying the nonce. */
async function expectPageSecurityHeaders(res: APIResponse): Promise<void> {
  const headers = res.headers();
  const csp = headers['content-security-policy'];
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).not.toContain("'unsafe-inline' 'nonce");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  // Every script Next.js renders carries this request's nonce.
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
}

test('pages carry a nonce-based CSP that forbids framing', async ({ request }) => {
  await expectPageSecurityHeaders(await request.get('/'));
});

test('the consent page carries the same headers, and is never stored', async () => {
  const client = await registerClient(await anonymousApi());
  const api = await signedInApi(uniqueEmail('consenting'));
  const res = await api.get(authorizePath({ response_type: 'code', client_id: client.client_id, redirect_uri: API_REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), { maxRedirects: 0 });
  expect(res.status()).toBe(200);
  // The page Next.js rendered, with the form's sealed ticket in it.
  expect(consentTicket(await res.text())).toBeTruthy();
  await expectPageSecurityHeaders(res);
  expect(res.headers()['cache-control']).toContain('no-store');
  await api.dispose();
});

test('machine-to-machine endpoints carry a policy that allows nothing and forbids framing', async ({ request }) => {
  for (const res of [await request.get('/.well-known/oauth-authorization-server'), await request.post('/oauth/token', { form: { grant_type: 'client_credentials' } })]) {
    const headers = res.headers();
    expect(headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-request-id']).toBeTruthy();
  }
});

test('an unknown page is a friendly 404', async ({ request }) => {
  const res = await request.get('/no-such-page');
  expect(res.status()).toBe(404);
  expect(await res.text()).toContain('Page not found');
});
