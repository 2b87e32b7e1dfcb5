// /metrics: who may read it, and what the counters count (requests by bounded
// route, issued tokens, auth failures from security events, rate-limit hits,
// database pool state).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { IssuedTokens, NewAccessToken, OAuthStore, SecurityEvent } from '../../lib/oauth/ports.ts';
import { MessageChannel } from 'node:worker_threads';
import { applyForwardedMetric, countRateLimitHit, countSecurityEvent, countTokensIssued, forwardingSink, installMetricsSink, registerDbPoolCollector, reportForwardedDbPool, type ForwardedMetric } from '../../lib/server/observability/hooks.ts';
import { instrumentRequest } from '../../lib/server/observability/instrument-request.ts';
import { authFailureReason, createMetrics, serveMetrics, type Metrics } from '../../lib/server/observability/metrics.ts';
import { isLoopbackAddress } from '../../lib/server/runtime/client-address.ts';
import { requestIdFrom } from '../../lib/server/observability/request-context.ts';
import { routeLabel, routedPathname } from '../../lib/server/observability/route-label.ts';
import { instrumentOAuthStore } from '../../lib/server/observability/store-metrics.ts';
import { createLogger, setLogger } from '../../lib/server/runtime/logger.ts';
import { parseUrl } from '../../lib/parse-url.ts';

const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  registerDbPoolCollector(null);
  setLogger(undefined);
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<string> {
  const server = http.createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

describe('access to /metrics', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';

  it('with a token: requires it as a bearer token, from anywhere', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const url = await listen((req, res) => serveMetrics(req, res, TOKEN, metrics));
    const none = await fetch(`${url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { Authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.text()).toContain('# TYPE gatehouse_http_requests_total counter');
    // Also through a proxy: the token is what counts.
    expect((await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Forwarded-For': '203.0.113.9' } })).status).toBe(200);
  });

  it('without a token: loopback clients only, and not through a proxy', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const url = await listen((req, res) => serveMetrics(req, res, null, metrics));
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    for (const header of ['X-Forwarded-For', 'Forwarded', 'X-Real-IP']) {
      expect((await fetch(`${url}/metrics`, { headers: { [header]: '203.0.113.9' } })).status, header).toBe(403);
    }
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('recognises loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '192.168.1.127', '::2', 'fe80::1']) expect(isLoopbackAddress(a), String(a)).toBe(false);
  });
});

describe('route labels', () => {
  it('are the matched route or a bounded group, never the raw URL', () => {
    const cases: Array<[string, string]> = [
      ['/oauth/authorize?client_id=x&code_challenge=y', '/oauth/authorize'],
      ['/oauth/authorize/decision', '/oauth/authorize/decision'],
      ['/oauth/token', '/oauth/token'],
      ['/oauth/register/ghc_abc123', '/oauth/register/:client_id'],
      ['/.well-known/oauth-authorization-server/tenant', '/.well-known/oauth-authorization-server'],
      ['/tenant/.well-known/openid-configuration', '/.well-known/openid-configuration'],
      ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource'],
      ['/_next/static/chunks/app.js', 'static'],
      ['/favicon.ico', 'static'],
      ['/api/auth/callback/oidc?code=abc', '/api/auth'],
      ['/admin/clients/123', 'page'],
      ['/no-such-page', 'page'],
      ['//@//x', 'invalid'],
    ];
    for (const [url, label] of cases) expect(routeLabel(routedPathname(url, '')), url).toBe(label);
    expect(routeLabel(routedPathname('/auth/oauth/token', '/auth'))).toBe('/oauth/token');
  });

  it('reads the pathname as the URL parser does, with or without its fast path', () => {
    const chars = fc.constantFrom(...'/.-_~aZ09?#%@:\\ é'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 24 }), (tail) => {
        const target = `/${tail}`;
        const expected = parseUrl(target, 'http://localhost')?.pathname ?? null;
        expect(routedPathname(target, ''), target).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('request ids', () => {
  it('keeps a sane incoming id and replaces anything else', () => {
    expect(requestIdFrom('abc-123_X.y')).toBe('abc-123_X.y');
    expect(requestIdFrom('a'.repeat(128))).toBe('a'.repeat(128));
    for (const bad of [undefined, '', 'a'.repeat(129), 'has space', 'semi;colon', 'new\nline', 'ü']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('are echoed, timed and access-logged, without query strings', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const lines: Array<Record<string, unknown>> = [];
    const sink = { write: (l: string) => lines.push(JSON.parse(l)) };
    setLogger(createLogger({ stdout: sink, stderr: sink }));
    const url = await listen((req, res) => {
      instrumentRequest(req, res, { basePath: '', metrics });
      res.writeHead(req.url?.startsWith('/oauth/token') ? 400 : 200).end('ok');
    });

    const kept = await fetch(`${url}/oauth/authorize?client_id=c&state=secret-state`, { headers: { 'X-Request-Id': 'trace-42' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-42');
    const replaced = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'X-Request-Id': 'bad id!' } });
    const generated = replaced.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    await expect.poll(() => lines.length).toBe(2);
    expect(lines[0]).toMatchObject({ msg: 'request', request_id: 'trace-42', method: 'GET', route: '/oauth/authorize', path: '/oauth/authorize', status: 200 });
    expect(lines[1]).toMatchObject({ msg: 'request', request_id: generated, method: 'POST', route: '/oauth/token', status: 400 });
    expect(typeof lines[0].duration_ms).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret-state');

    expect(await metricValue(metrics, 'gatehouse_http_requests_total', { route: '/oauth/authorize', status: '200', method: 'GET' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_http_requests_total', { route: '/oauth/token', status: '400', method: 'POST' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_http_request_duration_seconds', { route: '/oauth/token' })).toBeDefined();
    expect(await metricValue(metrics, 'gatehouse_http_requests_in_flight')).toBe(0);
  });
});

describe('counters fed from the OAuth store and the hooks', () => {
  function fakeStore(): OAuthStore {
    const noop = async () => undefined;
    return new Proxy({} as OAuthStore, {
      get: (_t, prop) => {
        if (prop === 'redeemAuthorizationCode') return async () => 'redeemed';
        if (prop === 'rotateRefreshToken') return async () => 'rotated';
        return noop;
      },
      ownKeys: () => [],
    });
  }

  const issued = (withRefresh: boolean) => ({ accessToken: {} as NewAccessToken, refreshToken: withRefresh ? ({} as IssuedTokens['refreshToken']) : null }) as IssuedTokens;

  it('counts made on another thread arrive in the registry that serves /metrics', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    // The pages thread's sink posts each call; the request thread applies it to its own.
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<void>((resolve) => {
      let left = 3;
      port2.on('message', (call: ForwardedMetric) => {
        installMetricsSink(metrics);
        applyForwardedMetric(call);
        if (--left === 0) resolve();
      });
    });
    installMetricsSink(forwardingSink((call) => port1.postMessage(call)));
    countSecurityEvent({ action: 'oauth.client_auth_failed', details: { reason: 'bad_secret' }, at: new Date() } as SecurityEvent);
    countTokensIssued('access', 'other', 2);
    countRateLimitHit('/oauth/authorize/decision', 'ip');
    await received;
    port1.close();
    expect(await metricValue(metrics, 'gatehouse_auth_failures_total', { reason: 'bad_secret' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_tokens_issued_total', { kind: 'access', grant_type: 'other' })).toBe(2);
    expect(await metricValue(metrics, 'gatehouse_rate_limit_hits_total', { route: '/oauth/authorize/decision', limit: 'ip' })).toBe(1);
  });

  it('counts issued tokens by kind and grant type, and auth failures by reason', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    installMetricsSink(metrics);
    const store = instrumentOAuthStore(fakeStore());
    const at = new Date();
    await store.redeemAuthorizationCode('c1', at, issued(true));
    await store.redeemAuthorizationCode('c2', at, issued(false));
    await store.rotateRefreshToken('r1', at, 'cipher', issued(true));
    await store.insertAccessToken({ kind: 'client_credentials' } as NewAccessToken);
    const events: SecurityEvent[] = [
      { action: 'oauth.client_auth_failed', details: { reason: 'bad_secret' } },
      { action: 'oauth.client_auth_failed', details: { reason: 'bad_secret' } },
      { action: 'oauth.client_auth_failed', details: { reason: 'unknown_client' } },
      { action: 'oauth.client_auth_failed', details: { reason: 'Not A Bounded <Reason>' } },
      { action: 'oauth.code_replayed' },
      { action: 'oauth.refresh_reused', details: { outcome: 'family_revoked' } },
      { action: 'oauth.refresh_reused', details: { outcome: 'grace_retry' } },
      { action: 'oauth.grant_created' },
    ];
    for (const event of events) await store.recordSecurityEvent(event);

    const value = (name: string, labels: Record<string, string>) => metricValue(metrics, name, labels);
    expect(await value('gatehouse_tokens_issued_total', { kind: 'access', grant_type: 'authorization_code' })).toBe(2);
    expect(await value('gatehouse_tokens_issued_total', { kind: 'refresh', grant_type: 'authorization_code' })).toBe(1);
    expect(await value('gatehouse_tokens_issued_total', { kind: 'access', grant_type: 'refresh_token' })).toBe(1);
    expect(await value('gatehouse_tokens_issued_total', { kind: 'refresh', grant_type: 'refresh_token' })).toBe(1);
    expect(await value('gatehouse_tokens_issued_total', { kind: 'access', grant_type: 'client_credentials' })).toBe(1);
    expect(await value('gatehouse_auth_failures_total', { reason: 'bad_secret' })).toBe(2);
    expect(await value('gatehouse_auth_failures_total', { reason: 'unknown_client' })).toBe(1);
    expect(await value('gatehouse_auth_failures_total', { reason: 'other' })).toBe(1);
    expect(await value('gatehouse_auth_failures_total', { reason: 'code_replayed' })).toBe(1);
    expect(await value('gatehouse_auth_failures_total', { reason: 'refresh_reused' })).toBe(1);
    expect(await value('gatehouse_security_events_total', { action: 'oauth.refresh_reused' })).toBe(2);
    expect(await value('gatehouse_security_events_total', { action: 'oauth.grant_created' })).toBe(1);
    expect(authFailureReason({ action: 'oauth.grant_created' })).toBeNull();
  });

  it('does not count a lost race as issuance', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    installMetricsSink(metrics);
    const base = fakeStore();
    const store = instrumentOAuthStore({ ...base, redeemAuthorizationCode: async () => 'already_redeemed', rotateRefreshToken: async () => 'already_rotated' } as OAuthStore);
    await store.redeemAuthorizationCode('c', new Date(), issued(true));
    await store.rotateRefreshToken('r', new Date(), 'x', issued(true));
    expect(await metricValue(metrics, 'gatehouse_tokens_issued_total')).toBeUndefined();
  });

  it('counts rate-limit hits by bounded route', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    installMetricsSink(metrics);
    countRateLimitHit('/oauth/token');
    countRateLimitHit('/oauth/token', 'client');
    countRateLimitHit('/oauth/token', 'client_address');
    countRateLimitHit('/oauth/register/ghc_123?x=1');
    expect(await metricValue(metrics, 'gatehouse_rate_limit_hits_total', { route: '/oauth/token', limit: 'ip' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_rate_limit_hits_total', { route: '/oauth/token', limit: 'client' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_rate_limit_hits_total', { route: '/oauth/token', limit: 'client_address' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_rate_limit_hits_total', { route: '/oauth/register/:client_id', limit: 'ip' })).toBe(1);
  });

  it('reports the database pool through the registered collector, and nothing without one', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(await metrics.registry.metrics()).not.toMatch(/^gatehouse_db_pool_connections\{/m);
    registerDbPoolCollector(() => ({ total: 7, idle: 3, waiting: 2, max: 10 }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('gatehouse_db_pool_connections{state="total"} 7');
    expect(text).toContain('gatehouse_db_pool_connections{state="idle"} 3');
    expect(text).toContain('gatehouse_db_pool_connections{state="waiting"} 2');
    expect(text).toContain('gatehouse_db_pool_max_connections 10');
    // The pages thread's pool, as it reports it, is added to this thread's.
    reportForwardedDbPool('pages', { total: 4, idle: 1, waiting: 0, max: 10 });
    const both = await metrics.registry.metrics();
    expect(both).toContain('gatehouse_db_pool_connections{state="total"} 11');
    expect(both).toContain('gatehouse_db_pool_connections{state="idle"} 4');
    expect(both).toContain('gatehouse_db_pool_connections{state="waiting"} 2');
    expect(both).toContain('gatehouse_db_pool_max_connections 20');
    reportForwardedDbPool('pages', null);
    expect(await metrics.registry.metrics()).toContain('gatehouse_db_pool_connections{state="total"} 7');
    registerDbPoolCollector(() => {
      throw new Error('pool gone');
    });
    expect(await metrics.registry.metrics()).not.toMatch(/^gatehouse_db_pool_connections\{/m);
  });
});
