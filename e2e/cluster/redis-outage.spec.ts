// Redis goes away under a running instance (rate limits shared through it): the
// rate-limited endpoints must refuse quickly with 503 + Retry-After — never
// hang, never let requests through unlimited — /readyz must turn 503 (and
// /metrics say which dependency is down), and when Redis is back everything recovers without a
// restart.
import { expect, test } from '@playwright/test';
import { ClusterHarness, type GatehouseInstance, type RedisServer } from '../fixtures/cluster-servers';
import { clientCredentials, confidentialClientFromCli, http, registrationRequest, waitUntil, type ConfidentialClient, type HttpResult } from '../fixtures/cluster-oauth';

/** A 503 must come this fast (the Redis client has a 1 s connect/command timeout). */
const FAST_MS = 3_000;
const RECOVERY_MS = 10_000;
/** /readyz follows the background probe: every 2 s, each check bounded by 2 s. */
const PROBE_MS = 6_000;

const harness = new ClusterHarness('redis-outage');
let redis: RedisServer;
let server: GatehouseInstance;
let resourceServer: ConfidentialClient;

test.describe.configure({ timeout: 60_000 });

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const { url } = await harness.createDatabase();
  redis = await harness.redisServer();
  [server] = await harness.startCluster({ count: 1, databaseUrl: url, redisUrl: redis.url, env: { GATEHOUSE_RATE_LIMITS: 'true' } });
  resourceServer = await confidentialClientFromCli(server);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await harness.cleanup();
});

function expectUnavailable(res: HttpResult, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(503);
  expect(Number(res.headers.get('retry-after')), `${what} Retry-After`).toBeGreaterThan(0);
  expect(res.json?.error, what).toBe('temporarily_unavailable');
  expect(res.ms, `${what} answered in ${Math.round(res.ms)} ms`).toBeLessThan(FAST_MS);
}

test('with Redis down the rate-limited endpoints answer 503 quickly, /readyz 503 (redis in /metrics), and all recovers without a restart', async () => {
  const token = () => clientCredentials(server.url, resourceServer, 10_000);
  const register = () => registrationRequest(server.url, 10_000);
  const readyz = () => http(`${server.url}/readyz`, { timeoutMs: 10_000 });

  // -- Redis up ------------------------------------------------------------
  expect((await token()).status).toBe(200);
  expect((await register()).status).toBe(201);
  expect((await readyz()).status).toBe(200);
  const pid = server.pid;

  // -- Redis down -----------------------------------------------------------
  await redis.stop();
  const latencies: number[] = [];
  // At once, and again over a few seconds (the client is reconnecting meanwhile: still no hang).
  for (let round = 0; round < 4; round++) {
    const [t, r] = await Promise.all([token(), register()]);
    expectUnavailable(t, `token (round ${round})`);
    expectUnavailable(r, `register (round ${round})`);
    latencies.push(t.ms, r.ms);
    // /readyz answers from the background probe's state: it turns within one probe.
    expect(await waitUntil(async () => (await readyz()).status === 503, PROBE_MS, 100), '/readyz turned 503').not.toBeNull();
    const ready = await readyz();
    expect(ready.status, ready.text).toBe(503);
    expect(ready.headers.get('retry-after')).toBeTruthy();
    expect(ready.json).toEqual({ status: 'not ready' });
    expect(ready.ms).toBeLessThan(FAST_MS);
    latencies.push(ready.ms);
    const metrics = (await http(`${server.url}/metrics`)).text;
    expect(metrics).toContain('gatehouse_ready{check="redis"} 0');
    expect(metrics).toContain('gatehouse_ready{check="database"} 1');
    await new Promise((r) => setTimeout(r, 700));
  }
  // A burst: every one of them refused, none let through unlimited.
  const burst = await Promise.all(Array.from({ length: 20 }, () => token()));
  for (const res of burst) expectUnavailable(res, 'token (burst)');
  latencies.push(...burst.map((r) => r.ms));
  console.log(`redis down: ${latencies.length} answers, 503 latency max ${Math.round(Math.max(...latencies))} ms, median ${Math.round(latencies.sort((x, y) => x - y)[latencies.length >> 1])} ms`);

  // -- Redis back -----------------------------------------------------------
  await redis.start();
  const backAt = performance.now();
  const recovered = await waitUntil(async () => (await token()).status === 200, RECOVERY_MS, 200);
  expect(recovered, `token endpoint recovered within ${RECOVERY_MS} ms`).not.toBeNull();
  expect(await waitUntil(async () => (await register()).status === 201, RECOVERY_MS, 200)).not.toBeNull();
  expect(await waitUntil(async () => (await readyz()).status === 200, RECOVERY_MS, 200)).not.toBeNull();
  const recoveryMs = performance.now() - backAt;
  console.log(`redis back: token endpoint 200 after ${Math.round(recovered!)} ms, token+register+readyz all good after ${Math.round(recoveryMs)} ms`);
  expect(recoveryMs).toBeLessThan(RECOVERY_MS);
  // Same process: no restart was needed.
  expect(server.pid).toBe(pid);
  expect(server.running).toBe(true);
});

test('a hung Redis (SIGSTOP: connections open, no answers) also gets 503 within the bound, then recovers', async () => {
  const token = () => clientCredentials(server.url, resourceServer, 10_000);
  const register = () => registrationRequest(server.url, 10_000);
  expect((await token()).status).toBe(200);

  redis.pause();
  const latencies: number[] = [];
  try {
    expect(await waitUntil(async () => (await http(`${server.url}/readyz`, { timeoutMs: FAST_MS })).status === 503, PROBE_MS, 100), '/readyz turned 503').not.toBeNull();
    for (let round = 0; round < 3; round++) {
      const [t, r, ready] = await Promise.all([token(), register(), http(`${server.url}/readyz`, { timeoutMs: 10_000 })]);
      expectUnavailable(t, `token (hung, round ${round})`);
      expectUnavailable(r, `register (hung, round ${round})`);
      expect(ready.status, ready.text).toBe(503);
      expect(ready.ms).toBeLessThan(FAST_MS);
      latencies.push(t.ms, r.ms, ready.ms);
    }
    expect((await http(`${server.url}/metrics`)).text).toContain('gatehouse_ready{check="redis"} 0');
  } finally {
    redis.resume();
  }
  console.log(`redis hung: 503 latency max ${Math.round(Math.max(...latencies))} ms, min ${Math.round(Math.min(...latencies))} ms`);
  const resumedAt = performance.now();
  const recovered = await waitUntil(async () => (await token()).status === 200 && (await register()).status === 201, RECOVERY_MS, 200);
  expect(recovered, 'recovered after SIGCONT').not.toBeNull();
  console.log(`redis resumed: token+register good after ${Math.round(performance.now() - resumedAt)} ms`);
});
