// Per-address limits on the browser endpoints of the production build
// (docs/configuration.md, "Rate limits"): /oauth/authorize, GET and POST,
// whether Gatehouse or the consent page would answer; and the break-glass
// sign-in, refused before any password check. Each flood comes from a loopback
// address of its own (127.0.0.x), so the rest of the suite is never limited.
import http from 'node:http';
import { expect, test } from '@playwright/test';
import { runCli } from '../fixtures/cli';
import { anonymousApi, authorizePath, pkcePair, registerClient, unique, uniqueEmail, API_REDIRECT_URI } from '../fixtures/oauth';
import { E2E_PORT, edgeHeaders } from '../fixtures/server-env';

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One request from the given loopback address (node:http: fetch can't choose its source address). */
function send(from: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: E2E_PORT, localAddress: from, method, path, headers: { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookiesOf = (answer: Answer) => (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);

test('a flood of /oauth/authorize from one address gets a 429 page, the consent page included; other addresses go on', async () => {
  const api = await anonymousApi();
  const client = await registerClient(api, { client_name: unique('Flooded client') });
  await api.dispose();
  const consentRequest = authorizePath({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: API_REDIRECT_URI,
    scope: 'mcp:tools',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
  });
  const signedIn = edgeHeaders(uniqueEmail('flooded'));
  // Before the flood, the signed-in request reaches the consent page.
  expect((await send('127.0.0.2', 'GET', consentRequest, signedIn)).status).toBe(200);

  const flood = '127.0.0.2';
  let limited: Answer | null = null;
  for (let i = 0; i < 400 && !limited; i++) {
    const answer = i % 2
      ? await send(flood, 'POST', '/oauth/authorize', { 'content-type': 'application/x-www-form-urlencoded' }, 'response_type=code')
      : await send(flood, 'GET', '/oauth/authorize?response_type=code');
    if (answer.status === 429) limited = answer;
    else expect([303, 400]).toContain(answer.status);
  }
  expect(limited, 'no 429 within 400 requests').not.toBeNull();
  expect(limited!.headers['content-type']).toMatch(/^text\/html/);
  expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  expect(limited!.body).toContain('Too many requests');

  const refused = await send(flood, 'GET', consentRequest, signedIn);
  expect(refused.status).toBe(429);
  expect(refused.headers['content-type']).toMatch(/^text\/html/);
  expect((await send('127.0.0.3', 'GET', consentRequest, signedIn)).status).toBe(200);
});

test('break-glass sign-in refuses past the per-address limit before any password check', async () => {
  const email = `${unique('limited')}@example.com`;
  const password = 'a long password for the limit test';
  expect(runCli(['admin', 'create', '--email', email, '--password-stdin'], password).status).toBe(0);

  /** next-auth's credentials sign-in as its client does it (CSRF cookie and token, then the callback). */
  const signIn = async (from: string, pass: string) => {
    const csrf = await send(from, 'GET', '/api/auth/csrf');
    const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
    const form = new URLSearchParams({ email, password: pass, csrfToken, callbackUrl: '/', json: 'true' }).toString();
    const answer = await send(from, 'POST', '/api/auth/callback/local', { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(csrf).join('; ') }, form);
    const url = (JSON.parse(answer.body) as { url: string }).url;
    return new URL(url).searchParams.get('error');
  };

  const from = '127.0.0.4';
  const errors: Array<string | null> = [];
  // Every attempt counts, right or wrong: three wrong (short of a lock), then the right one.
  for (let i = 0; i < 20; i++) errors.push(await signIn(from, i % 4 === 3 ? password : `wrong ${i}`));
  expect(errors.filter((e) => e === null)).toHaveLength(5);
  expect(errors.filter((e) => e === 'The email or password is not right.')).toHaveLength(15);
  expect(await signIn(from, password)).toMatch(/^Too many sign-in attempts from your network address\. Try again in \d+ seconds\.$/);
  expect(await signIn('127.0.0.5', password)).toBeNull();
});
