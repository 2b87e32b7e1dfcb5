// Client authentication (RFC 6749 §2.3.1, §5.2): client_secret_basic with
// form-urlencoded id and secret, client_secret_post, none for public clients,
// exactly one method per request.
import { beforeEach, describe, expect, it } from 'vitest';
import { clientFixture, createMemoryContext, type MemoryContext } from '../../tests/helpers/memory-context.ts';
import { hashToken } from '../crypto.ts';
import { authenticateClient, readPresentedCredentials, type ClientCredentialsInput } from './client-auth.ts';
import { OAuthError } from './errors.ts';
import type { OAuthClient } from './ports.ts';

/** Characters that must be form-urlencoded before base64 (RFC 6749 §2.3.1 / Appendix B). */
const ODD_ID = 'svc:client id+1%/é';
const ODD_SECRET = 'pa:ss word+/=%&é';
const SECRET = 'gh_cs_correct-horse-battery-staple';

const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;

let ctx: MemoryContext;
let confidential: OAuthClient;
let odd: OAuthClient;
let publicClient: OAuthClient;

beforeEach(async () => {
  ctx = await createMemoryContext();
  confidential = await ctx.store.insertClient(clientFixture({ tokenEndpointAuthMethod: 'client_secret_basic', secretHash: hashToken(SECRET), grantTypes: ['client_credentials'] }));
  odd = await ctx.store.insertClient(clientFixture({ clientId: ODD_ID, tokenEndpointAuthMethod: 'client_secret_basic', secretHash: hashToken(ODD_SECRET) }));
  publicClient = await ctx.store.insertClient(clientFixture());
});

const input = (authorization: string | null, body: Record<string, string | undefined> = {}): ClientCredentialsInput => ({ authorization, body, ip: '198.51.100.7', userAgent: 'unit' });

async function refusal(promise: Promise<unknown>): Promise<OAuthError> {
  const error = await promise.then(
    () => {
      throw new Error('expected authentication to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe('client_secret_basic', () => {
  it('authenticates with id and secret form-urlencoded before base64', async () => {
    expect((await authenticateClient(ctx, input(basic(ODD_ID, ODD_SECRET)))).id).toBe(odd.id);
    expect((await authenticateClient(ctx, input(basic(confidential.clientId, SECRET)))).id).toBe(confidential.id);
  });

  it('decodes "+" as a space, as form-urlencoding does', () => {
    const header = `Basic ${Buffer.from('a+b:c+d').toString('base64')}`;
    expect(readPresentedCredentials(input(header))).toEqual({ method: 'client_secret_basic', clientId: 'a b', secret: 'c d' });
  });

  it('accepts the scheme in any case, and a client_id in the body that agrees', async () => {
    const header = basic(confidential.clientId, SECRET).replace('Basic', 'bAsIc');
    expect((await authenticateClient(ctx, input(header, { client_id: confidential.clientId }))).id).toBe(confidential.id);
  });

  it('refuses a malformed header with invalid_request', async () => {
    for (const header of ['Basic !!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`]) {
      expect((await refusal(authenticateClient(ctx, input(header)))).code, header).toBe('invalid_request');
    }
  });
});

describe('client_secret_post', () => {
  it('authenticates with client_id and client_secret in the body', async () => {
    expect((await authenticateClient(ctx, input(null, { client_id: confidential.clientId, client_secret: SECRET }))).id).toBe(confidential.id);
    expect((await authenticateClient(ctx, input(null, { client_id: ODD_ID, client_secret: ODD_SECRET }))).id).toBe(odd.id);
  });
});

describe('none (public clients)', () => {
  it('identifies a public client by client_id alone', async () => {
    expect((await authenticateClient(ctx, input(null, { client_id: publicClient.clientId }))).id).toBe(publicClient.id);
  });

  it('refuses a public client that presents a secret', async () => {
    const error = await refusal(authenticateClient(ctx, input(null, { client_id: publicClient.clientId, client_secret: 'anything' })));
    expect(error.code).toBe('invalid_client');
    expect(ctx.store.events.at(-1)?.details).toMatchObject({ reason: 'unexpected_secret' });
  });

  it('refuses a confidential client that presents no secret', async () => {
    const error = await refusal(authenticateClient(ctx, input(null, { client_id: confidential.clientId })));
    expect(error.code).toBe('invalid_client');
    expect(ctx.store.events.at(-1)?.details).toMatchObject({ reason: 'missing_secret', method: 'none' });
  });
});

describe('one method at a time', () => {
  it('refuses Basic together with a client_secret in the body (invalid_request)', async () => {
    const error = await refusal(authenticateClient(ctx, input(basic(confidential.clientId, SECRET), { client_secret: SECRET })));
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
  });

  it('refuses Basic with a different client_id in the body (invalid_request)', async () => {
    const error = await refusal(authenticateClient(ctx, input(basic(confidential.clientId, SECRET), { client_id: publicClient.clientId })));
    expect(error.code).toBe('invalid_request');
  });
});

describe('failures', () => {
  it('a bad secret over Basic is 401 invalid_client with a Basic challenge, and is audited', async () => {
    const error = await refusal(authenticateClient(ctx, input(basic(confidential.clientId, 'wrong'))));
    expect(error.code).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Basic realm=/);
    expect(error.mayRedirect).toBe(false);
    expect(ctx.store.events).toEqual([
      expect.objectContaining({ action: 'oauth.client_auth_failed', clientId: confidential.clientId, targetId: confidential.clientId, ip: '198.51.100.7', details: { reason: 'bad_secret', method: 'client_secret_basic' } }),
    ]);
  });

  it('a bad secret in the body is invalid_client too, and is audited', async () => {
    const error = await refusal(authenticateClient(ctx, input(null, { client_id: confidential.clientId, client_secret: 'wrong' })));
    expect(error.code).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(ctx.store.events.at(-1)).toMatchObject({ action: 'oauth.client_auth_failed', details: { reason: 'bad_secret', method: 'client_secret_post' } });
  });

  // A 401 MUST carry WWW-Authenticate (RFC 9110 §15.5.2), whatever method failed.
  it('a 401 for a client_secret_post failure carries a WWW-Authenticate challenge', async () => {
    const error = await refusal(authenticateClient(ctx, input(null, { client_id: confidential.clientId, client_secret: 'wrong' })));
    expect(error.code).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Basic realm="gatehouse"');
  });

  it('no credentials at all is invalid_client with a challenge', async () => {
    const error = await refusal(authenticateClient(ctx, input(null)));
    expect(error.code).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Basic/);
  });

  it('an unknown client is invalid_client (so MCP clients know to register again), audited', async () => {
    const error = await refusal(authenticateClient(ctx, input(null, { client_id: 'ghc_gone' })));
    expect(error.code).toBe('invalid_client');
    expect(ctx.store.events.at(-1)).toMatchObject({ action: 'oauth.client_auth_failed', targetId: 'ghc_gone', details: { reason: 'unknown_client' } });
    expect(ctx.store.events.at(-1)?.clientId).toBeUndefined();
  });

  it('a disabled client is invalid_client even with the right secret', async () => {
    await ctx.store.updateClient(confidential.id, { disabled: true });
    const error = await refusal(authenticateClient(ctx, input(basic(confidential.clientId, SECRET))));
    expect(error.code).toBe('invalid_client');
    expect(ctx.store.events.at(-1)?.details).toMatchObject({ reason: 'disabled' });
  });

  it('audits at most 200 characters of a presented client_id', async () => {
    await refusal(authenticateClient(ctx, input(null, { client_id: 'x'.repeat(5000) })));
    expect(ctx.store.events.at(-1)?.targetId).toHaveLength(200);
  });
});
