// Sign-out: a CSRF-protected POST clears the app session, then the
// server alone decides where the browser goes, from configuration.
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { E2E_BASE_URL, edgeHeaders } from '../fixtures/server-env';

async function signedInClient(email: string) {
  const client = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL, maxRedirects: 0 });
  await client.get('/api/me', { headers: edgeHeaders(email) });
  const page = await (await client.get('/sign-out')).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  return { client, csrf };
}

test('POST /sign-out clears the session and follows the configured chain', async () => {
  const { client, csrf } = await signedInClient(`leaver.${Date.now()}@example.com`);
  expect(csrf).toBeTruthy();
  const res = await client.post('/sign-out', { form: { csrf: csrf! }, headers: { Origin: E2E_BASE_URL } });
  expect(res.status()).toBe(303);
  const location = new URL(res.headers().location);
  expect(location.origin + location.pathname).toBe('https://gate.example.com/oauth2/sign_out');
  const rd = new URL(location.searchParams.get('rd')!);
  expect(rd.origin + rd.pathname).toBe('https://login.example.com/logout');
  expect(rd.searchParams.get('client_id')).toBe('e2e-cognito-client');
  expect(rd.searchParams.get('logout_uri')).toBe(`${E2E_BASE_URL}/signed-out`);
  expect(res.headers()['set-cookie']).toMatch(/gatehouse\.session=;.*Max-Age=0/);
  expect(((await (await client.get('/api/me')).json()) as { user: unknown }).user).toBeNull();
});

test('the redirect target never comes from the request', async () => {
  const { client, csrf } = await signedInClient(`stay.${Date.now()}@example.com`);
  const res = await client.post('/sign-out?rd=https://evil.example/&redirect=https://evil.example/', {
    form: { csrf: csrf!, rd: 'https://evil.example/', callbackUrl: 'https://evil.example/' },
    headers: { Origin: E2E_BASE_URL },
  });
  expect(res.status()).toBe(303);
  expect(res.headers().location).not.toContain('evil.example');
});

test('a sign-out without the CSRF token, or from another site, is refused and keeps the session', async () => {
  const email = `victim.${Date.now()}@example.com`;
  const { client } = await signedInClient(email);
  const forged = await client.post('/sign-out', { form: { csrf: 'forged' }, headers: { Origin: E2E_BASE_URL } });
  expect(forged.status()).toBe(403);
  const crossSite = await client.post('/sign-out', { form: {}, headers: { Origin: 'https://evil.example' } });
  expect(crossSite.status()).toBe(403);
  expect(((await (await client.get('/api/me')).json()) as { user: { email: string } }).user.email).toBe(email);
});

test('GET /sign-out only asks', async () => {
  const { client } = await signedInClient(`asker.${Date.now()}@example.com`);
  const res = await client.get('/sign-out');
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain('Sign out of Gatehouse?');
  expect(((await (await client.get('/api/me')).json()) as { user: unknown }).user).not.toBeNull();
});

test('next-auth’s own /api/auth/signout leads to the three-layer sign-out, never to a sign-out of the app session alone', async () => {
  const email = `nextauth.${Date.now()}@example.com`;
  const { client } = await signedInClient(email);
  const { csrfToken } = (await (await client.get('/api/auth/csrf')).json()) as { csrfToken: string };
  const attempts = [
    () => client.get('/api/auth/signout'),
    () => client.get('/api/auth/signout?callbackUrl=https://evil.example/'),
    () => client.post('/api/auth/signout', { form: { csrfToken, callbackUrl: '/', json: 'true' }, headers: { Origin: E2E_BASE_URL } }),
  ];
  for (const attempt of attempts) {
    const res = await attempt();
    expect(res.status()).toBe(303);
    expect(res.headers().location).toBe('/sign-out');
    // The session is not cleared on its own: the edge would sign the user straight back in.
    expect(res.headers()['set-cookie'] ?? '').not.toMatch(/gatehouse\.session=;/);
    expect(((await (await client.get('/api/me')).json()) as { user: { email: string } }).user.email).toBe(email);
  }
  // Where it leads: the sign-out page, whose form walks the whole chain.
  const page = await (await client.get('/sign-out')).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
  const res = await client.post('/sign-out', { form: { csrf }, headers: { Origin: E2E_BASE_URL } });
  const location = new URL(res.headers().location);
  expect(location.origin + location.pathname).toBe('https://gate.example.com/oauth2/sign_out');
  expect(new URL(location.searchParams.get('rd')!).origin).toBe('https://login.example.com');
});
