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
