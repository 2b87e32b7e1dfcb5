// PostgreSQL becomes unreachable under a running instance. The shared server is
// not touched: the instance reaches its own database through a TCP proxy run by
// the test, and "the database goes away" is the proxy closing every connection
// and refusing new ones. The token endpoint must answer 503 + Retry-After (a
// JSON error, no 500, no stack trace), /readyz 503; when the proxy is back the
// instance recovers by itself.
import { expect, test } from '@playwright/test';
import { ClusterHarness, type GatehouseInstance, type TcpProxy } from '../fixtures/cluster-servers';
import { clientCredentials, confidentialClientFromCli, http, registrationRequest, waitUntil, type ConfidentialClient, type HttpResult } from '../fixtures/cluster-oauth';

const FAST_MS = 3_000;
const RECOVERY_MS = 15_000;
/** /readyz follows the background probe: every 2 s, each check bounded by 2 s. */
const PROBE_MS = 6_000;

const harness = new ClusterHarness('database-outage');
let proxy: TcpProxy;
let server: GatehouseInstance;
let resourceServer: ConfidentialClient;

test.describe.configure({ timeout: 60_000 });

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const { url } = await harness.createDatabase();
  const direct = new URL(url);
  proxy = await harness.tcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(url);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  // No Redis: the per-IP limits stay in process, so only the database is in play.
  [server] = await harness.startCluster({ count: 1, databaseUrl: viaProxy.href });
  resourceServer = await confidentialClientFromCli(server);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await harness.cleanup();
});

/** What an operator must never show a client: internals of the failure. */
function expectNoInternals(res: HttpResult, what: string): void {
  expect(res.text, `${what} leaks internals`).not.toMatch(/\bat \S+ \(|\.ts:\d+|prisma|ECONNREFUSED|ECONNRESET|127\.0\.0\.1:\d+|stack/i);
}

function expectUnavailable(res: HttpResult, what: string): void {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(503);
  expect(Number(res.headers.get('retry-after')), `${what} Retry-After`).toBeGreaterThan(0);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
  expect(res.json?.error, what).toBe('temporarily_unavailable');
  expect(res.ms, `${what} answered in ${Math.round(res.ms)} ms`).toBeLessThan(FAST_MS);
  expectNoInternals(res, what);
}

test('with the database unreachable the token endpoint answers 503 with Retry-After and /readyz 503; it recovers by itself', async () => {
  const token = () => clientCredentials(server.url, resourceServer, 15_000);
  const readyz = () => http(`${server.url}/readyz`, { timeoutMs: 15_000 });
  expect((await token()).status).toBe(200);
  expect((await readyz()).status).toBe(200);
  expect(proxy.connections, 'the instance reaches PostgreSQL through the proxy').toBeGreaterThan(0);
  const pid = server.pid;

  // The cut comes while requests are in flight (queries on open connections).
  // Paced, so that the instance's per-address limit on the token endpoint
  // (600 per 10 s) is not what answers the rest of this test.
  let loading = true;
  const duringCut: HttpResult[] = [];
  const load = Array.from({ length: 6 }, async () => {
    while (loading) {
      duringCut.push(await token());
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  await proxy.stop();
  await new Promise((r) => setTimeout(r, 300));
  loading = false;
  await Promise.all(load);
  const unexpected = duringCut.filter((r) => r.status !== 200 && r.status !== 503);
  console.log(`database cut under load: ${duringCut.length} answers, ${duringCut.filter((r) => r.status === 200).length}×200, ${duringCut.filter((r) => r.status === 503).length}×503, ${unexpected.length} other`);
  expect(unexpected.map((r) => `${r.status} ${r.text.slice(0, 200)}`), 'requests cut off mid-query answer 503, not 500').toEqual([]);

  const latencies: number[] = [];
  for (let round = 0; round < 4; round++) {
    const t = await token();
    expectUnavailable(t, `token (round ${round})`);
    latencies.push(t.ms);
    // /readyz answers from the background probe's state (every 2 s): it turns within one probe.
    expect(await waitUntil(async () => (await readyz()).status === 503, PROBE_MS, 100), '/readyz turned 503').not.toBeNull();
    const ready = await readyz();
    expect(ready.status, ready.text).toBe(503);
    expect(ready.headers.get('retry-after')).toBeTruthy();
    expect(ready.json).toEqual({ status: 'not ready' });
    expectNoInternals(ready, 'readyz');
    expect(ready.ms).toBeLessThan(FAST_MS);
    latencies.push(ready.ms);
    expect((await http(`${server.url}/metrics`)).text).toContain('gatehouse_ready{check="database"} 0');
  }
  const burst = await Promise.all(Array.from({ length: 20 }, () => token()));
  for (const res of burst) expectUnavailable(res, 'token (burst)');
  latencies.push(...burst.map((r) => r.ms));
  // Registration needs the database too.
  const reg = await registrationRequest(server.url, 15_000);
  expect(reg.status, reg.text).toBe(503);
  expect(reg.headers.get('retry-after')).toBeTruthy();
  expectNoInternals(reg, 'register');
  console.log(`database down: 503 latency max ${Math.round(Math.max(...latencies))} ms, median ${Math.round(latencies.sort((x, y) => x - y)[latencies.length >> 1])} ms`);
  expect(server.running, 'the instance survives the outage').toBe(true);

  await proxy.start();
  const backAt = performance.now();
  const recovered = await waitUntil(async () => (await token()).status === 200, RECOVERY_MS, 200);
  expect(recovered, `token endpoint recovered within ${RECOVERY_MS} ms`).not.toBeNull();
  expect(await waitUntil(async () => (await readyz()).status === 200, RECOVERY_MS, 200)).not.toBeNull();
  expect((await registrationRequest(server.url)).status).toBe(201);
  console.log(`database back: token endpoint 200 after ${Math.round(recovered!)} ms, /readyz 200 after ${Math.round(performance.now() - backAt)} ms`);
  expect(server.pid).toBe(pid);
});

/** A peer that stops answering on open connections: the pool's query timeout (5 s) turns it into a 503. */
test('with the database hung (connections open, no answers) the token endpoint answers 503 within 10 s', async () => {
  const HUNG_BOUND_MS = 10_000;
  const token = () => clientCredentials(server.url, resourceServer, HUNG_BOUND_MS);
  expect((await token()).status).toBe(200); // leaves an idle connection in the pool
  proxy.blackhole();
  const outcomes: string[] = [];
  const results: HttpResult[] = [];
  try {
    const readyzTurned = waitUntil(async () => (await http(`${server.url}/readyz`, { timeoutMs: FAST_MS })).status === 503, PROBE_MS, 100);
    const attempts = await Promise.allSettled([token(), token()]);
    expect(await readyzTurned, '/readyz turned 503 while the database hung').not.toBeNull();
    for (const a of attempts) {
      if (a.status === 'fulfilled') {
        results.push(a.value);
        outcomes.push(`${a.value.status} in ${Math.round(a.value.ms)} ms`);
      } else outcomes.push(`no answer within ${HUNG_BOUND_MS} ms`);
    }
    console.log(`hung database: token, token → ${outcomes.join('; ')}`);
  } finally {
    proxy.restore();
  }
  expect(outcomes.filter((o) => o.startsWith('no answer')), 'every request is answered').toEqual([]);
  for (const r of results) expect(r.status).toBe(503);
  expect(await waitUntil(async () => (await token()).status === 200, RECOVERY_MS, 200), 'recovered after the network came back').not.toBeNull();
});
