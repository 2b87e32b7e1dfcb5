// kill -9 under load. A Gatehouse process on PostgreSQL serves a steady stream
// of client_credentials requests and a burst of code exchanges; it is killed
// mid-stream and restarted on the same port. Whatever a client received before
// the crash must still be valid afterwards, and the database must hold no
// half-written redemption: a redeemed code always has its tokens, and no token
// belongs to a code that is not redeemed.
import { expect, test } from '@playwright/test';
import { ClusterHarness, sleep, type GatehouseInstance } from '../fixtures/cluster-servers';
import {
  authorizeCode,
  clientCredentials,
  confidentialClientFromCli,
  introspect,
  mapLimit,
  redeemCode,
  registerPublicClient,
  tokenHash,
  uniqueEmail,
  type ConfidentialClient,
  type IssuedCode,
} from '../fixtures/cluster-oauth';

const LOAD_WORKERS = 6;
/** Code exchanges run in a few loops of their own, so some are always in flight when the kill comes. */
const CODE_WORKERS = 3;
const CODES = 60;
const CODE_PAUSE_MS = 60;
/** The kill comes after this much steady load, and once this much has been answered (whatever the machine's speed). */
const KILL_AFTER = { ms: 1_500, ccTokens: 20, codeExchanges: 5 };

const harness = new ClusterHarness('crash-safety');
let dbUrl: string;
let server: GatehouseInstance;
let resourceServer: ConfidentialClient;

test.describe.configure({ timeout: 60_000 });

test.beforeAll(async () => {
  test.setTimeout(90_000);
  dbUrl = (await harness.createDatabase()).url;
  // A load test: the per-IP limits would only get in the way (no Redis needed either).
  [server] = await harness.startCluster({ count: 1, databaseUrl: dbUrl, env: { GATEHOUSE_RATE_LIMITS: 'false' } });
  resourceServer = await confidentialClientFromCli(server);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await harness.cleanup();
});

type Outcome = { kind: 'tokens'; body: { access_token: string; refresh_token?: string } } | { kind: 'http'; status: number; text: string } | { kind: 'network'; error: string };

async function attempt(fn: () => Promise<{ status: number; json: any; text: string }>): Promise<Outcome> {
  try {
    const res = await fn();
    if (res.status === 200) return { kind: 'tokens', body: res.json };
    return { kind: 'http', status: res.status, text: res.text.slice(0, 300) };
  } catch (error) {
    return { kind: 'network', error: String((error as Error).cause ?? error) };
  }
}

test('kill -9 under load loses nothing a client received and leaves no half-written redemption', async () => {
  const base = server.url;
  const clientId = await registerPublicClient(base);
  const email = uniqueEmail('crash');
  const codes: IssuedCode[] = [];
  for (let i = 0; i < CODES; i++) codes.push(await authorizeCode(base, base, clientId, email));

  // -- the load ------------------------------------------------------------
  let loading = true;
  const ccTokens: string[] = [];
  const ccFailures: Outcome[] = [];
  const started = performance.now();
  const workers = Array.from({ length: LOAD_WORKERS }, async () => {
    while (loading) {
      const outcome = await attempt(() => clientCredentials(base, resourceServer, 5_000));
      if (outcome.kind === 'tokens') ccTokens.push(outcome.body.access_token);
      else ccFailures.push(outcome);
    }
  });
  const sentAt: number[] = [];
  const codeOutcomes: (Outcome | undefined)[] = new Array(CODES).fill(undefined);
  let nextCode = 0;
  const exchangers = Array.from({ length: CODE_WORKERS }, async () => {
    while (loading && nextCode < CODES) {
      const i = nextCode++;
      sentAt[i] = performance.now() - started;
      codeOutcomes[i] = await attempt(() => redeemCode(base, clientId, codes[i], 5_000));
      await sleep(CODE_PAUSE_MS);
    }
  });

  const answeredCodes = () => codeOutcomes.filter((o) => o?.kind === 'tokens').length;
  const loadGoing = () =>
    performance.now() - started >= KILL_AFTER.ms && ccTokens.length >= KILL_AFTER.ccTokens && answeredCodes() >= KILL_AFTER.codeExchanges;
  while (!loadGoing() && nextCode < CODES && performance.now() - started < 20_000) await sleep(10);
  if (!loadGoing() || nextCode >= CODES) {
    loading = false;
    await Promise.all([...workers, ...exchangers]);
    throw new Error(`the load did not get going: ${ccTokens.length} client_credentials tokens, ${answeredCodes()} of ${nextCode} code exchanges answered`);
  }
  const ccBeforeKill = ccTokens.length;
  const killedAt = performance.now() - started;
  await server.kill9();
  loading = false;
  await Promise.all([...workers, ...exchangers]);

  // Everything the process answered came before the kill (it is gone).
  const sent = codeOutcomes.map((o, i) => ({ o: o!, i })).filter(({ o }) => o !== undefined);
  const received = sent.filter(({ o }) => o.kind === 'tokens');
  const lost = sent.filter(({ o }) => o.kind === 'network');
  const otherCode = sent.filter(({ o }) => o.kind === 'http').map(({ o }) => o);
  expect(otherCode, 'no code exchange got an HTTP error before the kill').toEqual([]);
  const ccHttpErrors = ccFailures.filter((o) => o.kind === 'http');
  expect(ccHttpErrors, 'no client_credentials request got an HTTP error').toEqual([]);

  // -- restart on the same port ---------------------------------------------
  const restartStarted = performance.now();
  await server.start();
  const restartMs = performance.now() - restartStarted;
  console.log(
    `crash: killed at ${Math.round(killedAt)} ms with ${ccTokens.length} client_credentials tokens received (${ccBeforeKill} before the kill signal), ` +
      `${ccFailures.length} cut off; code exchanges: ${received.length} answered, ${lost.filter(({ i }) => sentAt[i] < killedAt).length} in flight at the kill, ` +
      `${lost.filter(({ i }) => sentAt[i] >= killedAt).length} refused after it; restart took ${Math.round(restartMs)} ms`,
  );
  expect(ccTokens.length).toBeGreaterThan(0);
  expect(received.length, 'some code exchanges were answered before the kill').toBeGreaterThan(0);

  // -- every token a client received is still good ---------------------------
  const ccIntrospections = await mapLimit(ccTokens, 16, (token) => introspect(base, resourceServer, token));
  const badCc = ccIntrospections.filter((r) => !r.active || r.client_id !== resourceServer.client_id);
  expect(badCc, 'client_credentials tokens received before the kill still introspect as active, for their client').toEqual([]);
  for (const { o } of received) {
    if (o.kind !== 'tokens') continue;
    const info = await introspect(base, resourceServer, o.body.access_token);
    expect(info.active).toBe(true);
    expect(info.client_id).toBe(clientId);
    const [refresh] = await harness.query<{ revokedAt: Date | null; rotatedAt: Date | null }>(dbUrl, 'SELECT "revokedAt", "rotatedAt" FROM "RefreshToken" WHERE "tokenHash" = $1', [
      tokenHash(o.body.refresh_token!),
    ]);
    expect(refresh, 'the refresh token the client received is stored').toBeTruthy();
    expect(refresh).toEqual({ revokedAt: null, rotatedAt: null });
  }

  // -- nothing half-written ------------------------------------------------
  const redeemedWithoutTokens = await harness.query<{ id: string }>(
    dbUrl,
    `SELECT c.id FROM "AuthorizationCode" c
      WHERE c."redeemedAt" IS NOT NULL
        AND (NOT EXISTS (SELECT 1 FROM "AccessToken" a WHERE a."familyId" = c.id)
          OR NOT EXISTS (SELECT 1 FROM "RefreshToken" r WHERE r."familyId" = c.id))`,
  );
  expect(redeemedWithoutTokens, 'redeemed codes whose tokens are missing').toEqual([]);
  const orphanAccess = await harness.query<{ jti: string }>(
    dbUrl,
    `SELECT a.jti FROM "AccessToken" a
      WHERE a."familyId" IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM "AuthorizationCode" c WHERE c.id = a."familyId" AND c."redeemedAt" IS NOT NULL)`,
  );
  expect(orphanAccess, 'access tokens of a code that is not redeemed').toEqual([]);
  const orphanRefresh = await harness.query<{ id: string }>(
    dbUrl,
    `SELECT r.id FROM "RefreshToken" r
      WHERE NOT EXISTS (SELECT 1 FROM "AuthorizationCode" c WHERE c.id = r."familyId" AND c."redeemedAt" IS NOT NULL)`,
  );
  expect(orphanRefresh, 'refresh tokens of a code that is not redeemed').toEqual([]);
  const [{ stored }] = await harness.query<{ stored: string }>(
    dbUrl,
    `SELECT count(*) AS stored FROM "AccessToken" a JOIN "Client" c ON c.id = a."clientId" WHERE c."clientId" = $1 AND a.kind = 'client_credentials'`,
    [resourceServer.client_id],
  );
  expect(Number(stored)).toBeGreaterThanOrEqual(ccTokens.length);

  // -- a client retrying a cut-off exchange gets what the database says ------
  // (a code whose redemption committed before the crash is spent; one that did not is still good)
  const redeemedIds = new Set(
    (await harness.query<{ codeHash: string }>(dbUrl, 'SELECT "codeHash" FROM "AuthorizationCode" WHERE "redeemedAt" IS NOT NULL')).map((r) => r.codeHash),
  );
  let retriedSpent = 0;
  let retriedGood = 0;
  for (const { i } of lost) {
    const spent = redeemedIds.has(tokenHash(codes[i].code));
    const retry = await redeemCode(base, clientId, codes[i]);
    if (spent) {
      retriedSpent += 1;
      expect(retry.status, retry.text).toBe(400);
      expect(retry.json.error).toBe('invalid_grant');
    } else {
      retriedGood += 1;
      expect(retry.status, retry.text).toBe(200);
    }
  }
  console.log(`crash: ${lost.length} cut-off exchanges retried after the restart: ${retriedSpent} had committed before the crash (invalid_grant), ${retriedGood} had not (200)`);

  // The restarted instance serves the load again.
  expect((await clientCredentials(base, resourceServer)).status).toBe(200);
  expect(server.log()).not.toMatch(/"level":"(error|fatal)"/);
});
