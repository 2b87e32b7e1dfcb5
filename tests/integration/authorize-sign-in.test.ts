// GET /oauth/authorize for someone not signed in: a 401 page whose sign-in link
// brings them back to this very authorization request (relative, never elsewhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkcePair, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

describe('authorization request without a session', () => {
  let server: ProtocolServer;
  beforeAll(async () => {
    server = await startProtocolServer({ provider: 'sqlite' });
  });
  afterAll(async () => server?.stop());

  it('asks to sign in and links back to the request', async () => {
    const registered = await server.fetch('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none', client_name: 'Anon test' }),
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    const query = new URLSearchParams({
      response_type: 'code',
      client_id,
      redirect_uri: 'http://127.0.0.1:9/cb',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      state: 's&t',
    });
    const res = await server.fetch(`/oauth/authorize?${query}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    const href = /<a href="([^"]+)"/.exec(html)?.[1].replaceAll('&#38;', '&');
    expect(href).toMatch(/^\/local-login\?callbackUrl=/);
    const back = new URL(href!, 'http://x').searchParams.get('callbackUrl');
    expect(back).toBe(`/oauth/authorize?${query}`);
  });
});

describe('authorization request by POST (OAuth 2.1 §4.1.1)', () => {
  let server: ProtocolServer;
  beforeAll(async () => {
    server = await startProtocolServer({ provider: 'sqlite' });
  });
  afterAll(async () => server?.stop());

  const post = (body: string) =>
    server.fetch('/oauth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('continues as the GET with only the authorization parameters', async () => {
    const res = await post(`client_id=ghc_x&state=s1&junk=${'é'.repeat(10_000)}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/oauth/authorize?client_id=ghc_x&state=s1');
  });

  it('answers a page, not a giant redirect, for oversized parameters', async () => {
    const res = await post(`client_id=ghc_x&state=${'x'.repeat(5_000)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const many = await post(['client_id', 'redirect_uri', 'scope', 'state'].map((k) => `${k}=${'y'.repeat(3_000)}`).join('&'));
    expect(many.status).toBe(400);
  });

  it('answers a page for a body over the size limit', async () => {
    const res = await post(`client_id=ghc_x&junk=${'é'.repeat(40_000)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('request body is too large');
  });
});
