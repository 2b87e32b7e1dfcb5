// Operations: /metrics in the Prometheus format, request ids on
// every response and every log line, one access-log line per request.
import fs from 'node:fs';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { E2E_SERVER_LOG } from '../fixtures/issued-secrets';
import { anonymousApi, basicAuthorization, postToken, registerClient, tokensFor } from '../fixtures/oauth';

async function scrape(request: APIRequestContext): Promise<string> {
  const res = await request.get('/metrics');
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one series, 0 when it does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const parsed = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => parsed[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** Access-log lines for one request id (the server writes its output to E2E_SERVER_LOG). */
function logLinesFor(requestId: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(E2E_SERVER_LOG, 'utf8')
    .split('\n')
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('/metrics counts requests by route, issued tokens and auth failures', async ({ request }) => {
  const before = await scrape(request);
  const api = await anonymousApi();
  const client = await registerClient(api);
  await tokensFor(client.client_id);
  const confidential = await registerClient(api, { token_endpoint_auth_method: 'client_secret_basic' });
  const refused = await postToken(api, { grant_type: 'client_credentials' }, { Authorization: basicAuthorization(confidential.client_id, 'gh_cs_not-the-secret') });
  expect(refused.status()).toBe(401);
  await request.get('/no-such-page?with=query');
  const after = await scrape(request);

  const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
  expect(delta('gatehouse_tokens_issued_total', { kind: 'access', grant_type: 'authorization_code' })).toBe(1);
  expect(delta('gatehouse_tokens_issued_total', { kind: 'refresh', grant_type: 'authorization_code' })).toBe(1);
  expect(delta('gatehouse_auth_failures_total', { reason: 'bad_secret' })).toBe(1);
  expect(delta('gatehouse_http_requests_total', { method: 'POST', route: '/oauth/token', status: '200' })).toBe(1);
  expect(delta('gatehouse_http_requests_total', { method: 'POST', route: '/oauth/token', status: '401' })).toBe(1);
  expect(delta('gatehouse_http_requests_total', { method: 'POST', route: '/oauth/register', status: '201' })).toBe(2);
  expect(delta('gatehouse_http_requests_total', { method: 'GET', route: 'page', status: '404' })).toBe(1);
  expect(sample(after, 'gatehouse_http_request_duration_seconds_count', { method: 'POST', route: '/oauth/token', status: '200' })).toBeGreaterThan(0);
  // Labels are routes, never raw URLs.
  expect(after).not.toContain('no-such-page');
  expect(after).not.toContain('client_id=');
  // The runtime's own metrics come along.
  expect(after).toContain('process_cpu_seconds_total');
  await api.dispose();
});

test('/metrics is answered to loopback clients only when no token is configured', async ({ request }) => {
  // A proxy on the same host must not make every client look local.
  const res = await request.get('/metrics', { headers: { 'X-Forwarded-For': '203.0.113.7' } });
  expect(res.status()).toBe(403);
});

test('responses carry a request id: the client’s when sane, a new one otherwise', async ({ request }) => {
  const kept = await request.get('/healthz', { headers: { 'X-Request-Id': 'e2e-trace.0001_A' } });
  expect(kept.headers()['x-request-id']).toBe('e2e-trace.0001_A');
  for (const bad of ['has spaces', 'x'.repeat(129), 'quote"d']) {
    const res = await request.get('/healthz', { headers: { 'X-Request-Id': bad } });
    expect(res.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  }
  const page = await request.get('/no-such-page');
  expect(page.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('one access-log line per request, with the request id and without the query string', async ({ request }) => {
  const requestId = `e2e-access-${Date.now()}`;
  const res = await request.get('/oauth/authorize?client_id=unknown-client&state=do-not-log-me&code_challenge=abc', {
    headers: { 'X-Request-Id': requestId },
    maxRedirects: 0,
  });
  expect(res.headers()['x-request-id']).toBe(requestId);
  await expect.poll(() => logLinesFor(requestId).filter((l) => l.msg === 'request').length).toBe(1);
  const lines = logLinesFor(requestId);
  const access = lines.find((l) => l.msg === 'request')!;
  expect(access).toMatchObject({ level: 'info', request_id: requestId, method: 'GET', route: '/oauth/authorize', path: '/oauth/authorize', status: res.status() });
  expect(typeof access.duration_ms).toBe('number');
  expect(JSON.stringify(lines)).not.toContain('do-not-log-me');
  // Every line written for the request is JSON and names it.
  for (const line of lines) expect(line.request_id).toBe(requestId);
});

test('the server log is JSON lines, none carrying credentials', async () => {
  const text = fs.readFileSync(E2E_SERVER_LOG, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
  }
  expect(text).not.toMatch(/gh_(?:rt|pat|team|cs|rat|ac)_[A-Za-z0-9_-]{8}/);
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
});
