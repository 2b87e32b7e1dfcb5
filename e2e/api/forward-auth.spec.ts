// Identity from the SSO edge against the running production server.
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { queryE2eDatabase } from '../fixtures/database';
import { E2E_BASE_URL, edgeHeaders } from '../fixtures/server-env';

type Me = { user: { id: string; email: string; username: string; isAdmin: boolean; createdVia: string } | null };

async function freshClient() {
  return playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
}

const unique = (name: string) => `${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;

test('identity headers without the proxy secret are ignored', async () => {
  const client = await freshClient();
  const email = unique('forger');
  const res = await client.get('/api/me', { headers: edgeHeaders(email, { secret: null }) });
  expect(res.status()).toBe(200);
  expect(((await res.json()) as Me).user).toBeNull();
  expect(res.headers()['set-cookie']).toBeUndefined();
  expect(queryE2eDatabase('SELECT id FROM "User" WHERE email = ?', email)).toHaveLength(0);
});

test('identity headers with a wrong proxy secret are ignored', async () => {
  const client = await freshClient();
  const email = unique('forger');
  const res = await client.get('/api/me', { headers: edgeHeaders(email, { secret: 'not-the-secret-at-all' }) });
  expect(((await res.json()) as Me).user).toBeNull();
  expect(queryE2eDatabase('SELECT id FROM "User" WHERE email = ?', email)).toHaveLength(0);
});

test('with the proxy secret the request is that user, provisioned once', async () => {
  const client = await freshClient();
  const email = unique('Alice');
  const first = ((await (await client.get('/api/me', { headers: edgeHeaders(email) })).json()) as Me).user;
  expect(first).toMatchObject({ email: email.toLowerCase(), username: email.toLowerCase().split('@')[0], isAdmin: false, createdVia: 'forward_auth' });

  const again = ((await (await client.get('/api/me', { headers: edgeHeaders(email) })).json()) as Me).user;
  expect(again?.id).toBe(first?.id);
  expect(queryE2eDatabase('SELECT id FROM "User" WHERE email = ?', email.toLowerCase())).toHaveLength(1);
  expect(queryE2eDatabase('SELECT id FROM "AuditEvent" WHERE action = ? AND targetId = ?', 'user.provisioned', first?.id)).toHaveLength(1);
});

test('the session cookie keeps the user signed in and is HttpOnly and SameSite=Lax', async () => {
  const client = await freshClient();
  const email = unique('carol');
  const res = await client.get('/api/me', { headers: edgeHeaders(email) });
  const cookie = res.headers()['set-cookie'];
  expect(cookie).toMatch(/^gatehouse\.session=/);
  expect(cookie).toContain('HttpOnly');
  expect(cookie).toContain('SameSite=Lax');
  const later = ((await (await client.get('/api/me')).json()) as Me).user;
  expect(later?.email).toBe(email);
});

test('a session of user A that arrives with forwarded identity B becomes B', async () => {
  const client = await freshClient();
  const a = unique('usera');
  const b = unique('userb');
  const userA = ((await (await client.get('/api/me', { headers: edgeHeaders(a) })).json()) as Me).user;
  expect(userA?.email).toBe(a);

  const res = await client.get('/api/me', { headers: edgeHeaders(b) });
  const userB = ((await res.json()) as Me).user;
  expect(userB?.email).toBe(b);
  expect(userB?.id).not.toBe(userA?.id);
  expect(res.headers()['set-cookie']).toMatch(/^gatehouse\.session=/);

  // The replaced session is B's alone from now on, even without headers.
  const after = ((await (await client.get('/api/me')).json()) as Me).user;
  expect(after?.email).toBe(b);
});

test('identity headers on a bypass path are not consulted', async () => {
  const client = await freshClient();
  const email = unique('bypass');
  const res = await client.get('/signed-out', { headers: edgeHeaders(email) });
  expect(res.status()).toBe(200);
  expect(res.headers()['set-cookie']).toBeUndefined();
  expect(queryE2eDatabase('SELECT id FROM "User" WHERE email = ?', email)).toHaveLength(0);
});

test('a bare username gets the configured email domain', async () => {
  const client = await freshClient();
  const username = `dave${Date.now().toString(36)}`;
  const res = await client.get('/api/me', {
    headers: { 'X-Auth-Request-User': username, 'X-Gatehouse-Proxy-Secret': edgeHeaders('x@example.com')['X-Gatehouse-Proxy-Secret'] },
  });
  expect(((await res.json()) as Me).user).toMatchObject({ email: `${username}@corp.example`, username });
});

test('a bare username in the email header, as from a Cognito pool without an email attribute, gets the configured email domain', async () => {
  const client = await freshClient();
  const username = `fay${Date.now().toString(36)}`;
  const res = await client.get('/api/me', { headers: { ...edgeHeaders(username), 'X-Auth-Request-User': 'a1b2c3d4-sub' } });
  expect(((await res.json()) as Me).user).toMatchObject({ email: `${username}@corp.example`, username });
});

test('a username clash is refused with a clear message and audited', async () => {
  const local = `erin${Date.now().toString(36)}`;
  await (await freshClient()).get('/api/me', { headers: edgeHeaders(`${local}@example.com`) });
  const res = await (await freshClient()).get('/account', { headers: edgeHeaders(`${local}@other.example`) });
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain(`The username &#34;${local}&#34; already belongs to another account`);
  expect(queryE2eDatabase('SELECT id FROM "User" WHERE email = ?', `${local}@other.example`)).toHaveLength(0);
  expect(queryE2eDatabase(`SELECT id FROM "AuditEvent" WHERE action = 'user.provision_refused' AND details LIKE ?`, `%${local}@other.example%`)).toHaveLength(1);
});

test('admins come from GATEHOUSE_ADMIN_EMAILS and GATEHOUSE_ADMIN_GROUPS', async () => {
  const byEmail = ((await (await (await freshClient()).get('/api/me', { headers: edgeHeaders('admin@example.com') })).json()) as Me).user;
  expect(byEmail?.isAdmin).toBe(true);
  const byGroup = ((await (await (await freshClient()).get('/api/me', { headers: edgeHeaders(unique('grp'), { groups: 'dev, gatehouse-admins' }) })).json()) as Me).user;
  expect(byGroup?.isAdmin).toBe(true);
});

test('/admin is forbidden to a signed-in non-admin and asks anonymous visitors to sign in', async () => {
  const member = await (await freshClient()).get('/admin', { headers: edgeHeaders(unique('member')) });
  expect(member.status()).toBe(403);
  const anonymous = await (await freshClient()).get('/admin');
  expect(anonymous.status()).toBe(401);
});
