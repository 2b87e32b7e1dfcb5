// Rate limits on the protocol endpoints (SPEC §4): 429 with Retry-After, per IP
// and per client, in the RFC 6749 error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

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

  it('the token endpoint limits one client even when each request is otherwise cheap', async () => {
    const token = () =>
      server.fetch('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ghc_noisy' }).toString(),
      });
    let limited: Response | null = null;
    for (let i = 0; i < 320 && !limited; i++) {
      const res = await token();
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited?.headers.get('retry-after')).toBeTruthy();
  });
});
