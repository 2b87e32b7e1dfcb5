// Rate limits on the protocol endpoints (docs/configuration.md, "Rate limits"):
// 429 with Retry-After, per address, and per client at the token endpoint in a
// way a stranger can't spend for someone else — in memory and through Redis.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZATION_LIMIT } from '../../lib/server/http/protocol-routes.ts';
import { createRedisRateLimiter, type RateLimiter } from '../../lib/server/http/rate-limit.ts';
import { TOKEN_CLIENT_LIMITS } from '../../lib/server/http/token-client-limits.ts';
import { createClient } from '../helpers/factories.ts';
import { consentAndRedeem, createUser, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const ATTACKER = '198.51.100.7';
const USER_ADDRESS = '203.0.113.9';

describe('rate limits', () => {
  let server: ProtocolServer;
  beforeAll(async () => {
    server = await startProtocolServer({ provider: 'sqlite', env: { GATEHOUSE_RATE_LIMITS: 'true' } });
  });
  afterAll(async () => server?.stop());

  it('registration answers 429 with Retry-After past 30 a minute from one address', async () => {
    const register = () =>
      server.fetch('/oauth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await register()).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    const limited = await register();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(await limited.json()).toMatchObject({ error: 'slow_down' });
  });

  it('failed token requests naming one client are limited for that client from that address', async () => {
    const token = () => postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'ghc_noisy' });
    const statuses: number[] = [];
    for (let i = 0; i < TOKEN_CLIENT_LIMITS.failuresPerAddress.limit + 5; i++) statuses.push((await token()).status);
    expect(statuses.slice(0, TOKEN_CLIENT_LIMITS.failuresPerAddress.limit).every((s) => s === 401)).toBe(true);
    const limited = await token();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

const redis = new Redis('redis://127.0.0.1:6379/5', { maxRetriesPerRequest: 1 });
const redisPrefixes: string[] = [];
afterAll(async () => {
  for (const prefix of redisPrefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

const limiters: Record<string, () => RateLimiter | undefined> = {
  memory: () => undefined,
  redis: () => {
    const prefix = `gatehouse:test:${randomBytes(6).toString('hex')}:`;
    redisPrefixes.push(prefix);
    return createRedisRateLimiter(redis, prefix);
  },
};

describe.each(Object.keys(limiters))('a stranger cannot lock the users of a client out of the token endpoint (%s limiter)', (kind) => {
  let server: ProtocolServer;
  beforeAll(async () => {
    server = await startProtocolServer({
      provider: 'sqlite',
      env: { GATEHOUSE_RATE_LIMITS: 'true', GATEHOUSE_TRUSTED_PROXIES: 'loopback' },
      rateLimiter: limiters[kind](),
    });
  });
  afterAll(async () => server?.stop());

  const refresh = (clientId: string, refreshToken: string, from: string) =>
    postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }, { 'x-forwarded-for': from });

  it("hundreds of bogus refresh tokens naming someone else's public client get the attacker 429, and the real user still gets tokens", async () => {
    const client = await createClient(server.db, { redirectUris: [REDIRECT_URI] });
    const user = await createUser(server);
    const tokens = await consentAndRedeem(server, user, { clientId: client.clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools offline_access' });

    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) statuses.push((await refresh(client.clientId, `bogus-${i}-${randomBytes(8).toString('hex')}`, ATTACKER)).status);

    const refreshed = await refresh(client.clientId, tokens.refresh_token, USER_ADDRESS);
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    expect(((await refreshed.json()) as { access_token?: string }).access_token).toBeTruthy();

    const { limit } = TOKEN_CLIENT_LIMITS.failuresPerAddress;
    expect(statuses.slice(0, limit)).toEqual(Array(limit).fill(400));
    expect(statuses.slice(limit)).toEqual(Array(400 - limit).fill(429));

    const attacker = await refresh(client.clientId, 'bogus-again', ATTACKER);
    expect(attacker.status).toBe(429);
    expect(Number(attacker.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await attacker.json()).toMatchObject({ error: 'slow_down' });
  });

  it('successful requests count against the client, from every address together', async () => {
    const client = await createClient(server.db, { redirectUris: [REDIRECT_URI] });
    const { limit } = TOKEN_CLIENT_LIMITS.successesPerClient;
    // Ten users' refresh chains side by side (the window is short); each code redemption is a success too.
    const chains = 10;
    const firstTokens = await Promise.all(
      Array.from({ length: chains }, async () => consentAndRedeem(server, await createUser(server), { clientId: client.clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools offline_access' })),
    );
    const statuses = await Promise.all(
      firstTokens.map(async ({ refresh_token }, chain) => {
        let current = refresh_token;
        const seen: number[] = [];
        for (let i = 0; i < (limit - chains) / chains; i++) {
          const response = await refresh(client.clientId, current, `192.0.2.${chain * 20 + (i % 20)}`);
          seen.push(response.status);
          current = ((await response.json()) as { refresh_token: string }).refresh_token;
        }
        return seen;
      }),
    );
    expect(statuses.flat().filter((s) => s === 200)).toHaveLength(limit - chains);
    const limited = await refresh(client.clientId, 'any', '192.0.2.251');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('the authorization endpoint', () => {
  let server: ProtocolServer;
  beforeAll(async () => {
    server = await startProtocolServer({ provider: 'sqlite', env: { GATEHOUSE_RATE_LIMITS: 'true', GATEHOUSE_TRUSTED_PROXIES: 'loopback' } });
  });
  afterAll(async () => server?.stop());

  const get = (from: string) => server.fetch('/oauth/authorize?response_type=code', { headers: { 'x-forwarded-for': from } });
  const post = (from: string) =>
    server.fetch('/oauth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from }, body: 'response_type=code' });

  it('answers a flood from one address, GET and POST together, with a 429 page and Retry-After; other addresses go on', async () => {
    const { perIp } = AUTHORIZATION_LIMIT;
    const statuses: number[] = [];
    for (let i = 0; i < perIp; i++) statuses.push((await (i % 2 ? post : get)(ATTACKER)).status);
    // GET: an invalid request's page; POST: on to the equivalent GET.
    expect(statuses).toEqual(Array.from({ length: perIp }, (_, i) => (i % 2 ? 303 : 400)));
    for (const limited of [await get(ATTACKER), await post(ATTACKER)]) {
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.text()).toContain('Too many requests');
    }
    expect((await get(USER_ADDRESS)).status).toBe(400);
    expect((await post(USER_ADDRESS)).status).toBe(303);
  });
});

describe('the authorization endpoint with its rate limiter unreachable', () => {
  let server: ProtocolServer;
  // Nothing listens on port 1; the client fails at once instead of queueing (as runtime/redis.ts sets it up).
  const unreachable = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  unreachable.on('error', () => {});
  beforeAll(async () => {
    server = await startProtocolServer({ provider: 'sqlite', env: { GATEHOUSE_RATE_LIMITS: 'true' }, rateLimiter: createRedisRateLimiter(unreachable) });
  });
  afterAll(async () => {
    unreachable.disconnect();
    await server?.stop();
  });

  it('answers a 503 page with Retry-After, never JSON, to the browser', async () => {
    for (const response of [
      await server.fetch('/oauth/authorize?response_type=code'),
      await server.fetch('/oauth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'response_type=code' }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
