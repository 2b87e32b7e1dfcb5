// private_key_jwt client authentication (RFC 7523 §2.2 and §3, OIDC Core §9):
// each rule of lib/oauth/client-assertion.ts, with the memory store, the
// memory replay guard and a fixed clock; jwks_uri keys from a loopback server
// (the loopback allowance of the SSRF-safe fetch).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientFixture, createMemoryContext, type MemoryContext } from '../../tests/helpers/memory-context.ts';
import { hashToken } from '../crypto.ts';
import { authenticateClient } from './client-auth.ts';
import { JWT_BEARER_ASSERTION_TYPE } from './client-assertion.ts';
import { parseClientJwks } from './client-jwks.ts';
import { OAuthError } from './errors.ts';
import { ENDPOINTS } from './metadata.ts';
import type { OAuthClient } from './ports.ts';

type KeyPair = { privateKey: CryptoKey; jwk: JWK };

async function keyPair(alg: string, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

let ctx: MemoryContext;
let es: KeyPair;
let client: OAuthClient;
const now = () => Math.floor(ctx.now().getTime() / 1000);

beforeEach(async () => {
  ctx = await createMemoryContext();
  es = await keyPair('ES256', 'k1');
  client = await ctx.store.insertClient(clientFixture({ tokenEndpointAuthMethod: 'private_key_jwt', grantTypes: ['client_credentials'], redirectUris: [], jwks: { keys: [es.jwk] } }));
});

type Claims = Record<string, unknown>;

function sign(key: KeyPair, claims: Claims = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload: Claims = { iss: client.clientId, sub: client.clientId, aud: ctx.issuer, jti: randomUUID(), iat: now(), exp: now() + 60, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: key.jwk.alg as string, kid: key.jwk.kid, ...header }).sign(key.privateKey);
}

const present = (assertion: string, extra: Record<string, string> = {}) =>
  authenticateClient(ctx, { authorization: null, body: { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion, ...extra } });

async function refused(promise: Promise<unknown>, code = 'invalid_client'): Promise<OAuthError> {
  const error = await promise.then(
    () => new Error('expected the assertion to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  expect((error as OAuthError).code).toBe(code);
  return error as OAuthError;
}

/** The reason logged with the last refusal (the caller hears only "client authentication failed"). */
function lastReason(): unknown {
  const events = ctx.store.events.filter((e) => e.action === 'oauth.client_auth_failed');
  return events.at(-1)?.details?.reason;
}

describe('a client assertion', () => {
  it('authenticates a private_key_jwt client, with aud = the issuer or the token endpoint', async () => {
    expect((await present(await sign(es))).id).toBe(client.id);
    expect((await present(await sign(es, { aud: `${ctx.issuer}${ENDPOINTS.token}` }), { client_id: client.clientId })).id).toBe(client.id);
    expect((await present(await sign(es, { aud: [ctx.issuer] }))).id).toBe(client.id);
  });

  it('accepts RS256, PS256 and EdDSA keys too', async () => {
    for (const [alg, kid] of [['RS256', 'r'], ['PS256', 'p'], ['EdDSA', 'e']] as const) {
      const key = await keyPair(alg, kid);
      await ctx.store.updateClient(client.id, { jwks: { keys: [es.jwk, key.jwk] } });
      expect((await present(await sign(key))).id).toBe(client.id);
    }
  });

  it('is refused with one generic answer whatever is wrong, the reason going to the log', async () => {
    const other = await keyPair('ES256', 'k1');
    const cases: Array<[string, Promise<string>]> = [
      ['wrong_aud', sign(es, { aud: 'https://other.example' })],
      ['wrong_aud', sign(es, { aud: [ctx.issuer, 'https://other.example'] })],
      ['expired', sign(es, { iat: now() - 600, exp: now() - 120 })],
      ['exp_too_far', sign(es, { exp: now() + 3600 })],
      ['missing_exp', sign(es, { exp: undefined })],
      ['missing_jti', sign(es, { jti: undefined })],
      ['wrong_iss_or_sub', sign(es, { iss: 'someone-else' })],
      ['not_yet_valid', sign(es, { nbf: now() + 600, exp: now() + 200 })],
      ['issued_in_future', sign(es, { iat: now() + 600 })],
      ['bad_signature', sign(other)],
      ['unknown_kid', sign(es, {}, { kid: 'not-registered' })],
    ];
    for (const [reason, assertion] of cases) {
      const error = await refused(present(await assertion));
      expect(error.description).toBe('client authentication failed');
      expect(error.status).toBe(401);
      expect(lastReason(), reason).toBe(reason);
    }
  });

  it('is single use: a replayed jti is refused until the assertion expires', async () => {
    const assertion = await sign(es);
    await present(assertion);
    await refused(present(assertion));
    expect(lastReason()).toBe('replayed_jti');
  });

  it('refuses HS256 (a symmetric alg) and alg none', async () => {
    const hs = await new SignJWT({ iss: client.clientId, sub: client.clientId, aud: ctx.issuer, jti: 'x', exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
    await refused(present(hs));
    expect(lastReason()).toBe('alg_not_allowed');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: client.clientId, sub: client.clientId, aud: ctx.issuer, jti: 'y', exp: now() + 60 })).toString('base64url')}.`;
    await refused(present(none));
    expect(lastReason()).toBe('alg_not_allowed');
  });

  it('is one method only: not with a secret, not with Basic, and its client_id must agree', async () => {
    const assertion = await sign(es);
    await refused(present(assertion, { client_secret: 'x' }), 'invalid_request');
    await refused(authenticateClient(ctx, { authorization: `Basic ${Buffer.from(`${client.clientId}:x`).toString('base64')}`, body: { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion } }), 'invalid_request');
    await refused(present(assertion, { client_id: 'another' }), 'invalid_request');
    await refused(present(assertion, { client_assertion_type: 'urn:example:other' }), 'invalid_request');
  });

  it('a key-based client cannot use a secret, and a secret-based client cannot use an assertion', async () => {
    await refused(authenticateClient(ctx, { authorization: null, body: { client_id: client.clientId, client_secret: 'anything' } }));
    expect(lastReason()).toBe('wrong_method');
    const secretClient = await ctx.store.insertClient(clientFixture({ tokenEndpointAuthMethod: 'client_secret_basic', secretHash: hashToken('s'), jwks: { keys: [es.jwk] } }));
    const assertion = await sign(es, { iss: secretClient.clientId, sub: secretClient.clientId });
    await refused(present(assertion));
    expect(lastReason()).toBe('wrong_method');
  });
});

describe('keys behind a jwks_uri', () => {
  let server: http.Server;
  let served: JWK[];
  let status: number;
  let fetches: number;
  let uri: string;

  beforeEach(async () => {
    served = [es.jwk];
    status = 200;
    fetches = 0;
    server = http.createServer((_req, res) => {
      fetches++;
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    client = await ctx.store.updateClient(client.id, { jwks: null, jwksUri: uri });
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies with a key fetched from the client, cached per Cache-Control', async () => {
    expect((await present(await sign(es))).id).toBe(client.id);
    expect((await present(await sign(es))).id).toBe(client.id);
    expect(fetches).toBe(1);
  });

  it('fetches again when the client rotates to a kid the cached set lacks, at most once a minute', async () => {
    await present(await sign(es));
    const next = await keyPair('ES256', 'k2');
    served = [next.jwk];
    // Within the minute after the first fetch, an unknown kid is not worth another fetch.
    ctx.setNow(new Date(ctx.now().getTime() + 10_000));
    await refused(present(await sign(next)));
    expect(fetches).toBe(1);
    ctx.setNow(new Date(ctx.now().getTime() + 61_000));
    expect((await present(await sign(next))).id).toBe(client.id);
    expect(fetches).toBe(2);
    // The retired key is gone with the re-fetch.
    await refused(present(await sign(es)));
  });

  it('a failing jwks_uri is asked again at most once a minute, however many assertions arrive', async () => {
    status = 503;
    for (let i = 0; i < 5; i++) await refused(present(await sign(es)));
    expect(lastReason()).toBe('keys_unavailable');
    expect(fetches).toBe(1);
    status = 200;
    ctx.setNow(new Date(ctx.now().getTime() + 61_000));
    expect((await present(await sign(es))).id).toBe(client.id);
    expect(fetches).toBe(2);
  });

  it('refuses when the jwks_uri does not serve a JWK Set', async () => {
    served = [{ kty: 'oct', k: 'c2VjcmV0' } as JWK];
    await refused(present(await sign(es)));
    expect(lastReason()).toBe('keys_unavailable');
  });
});

describe('a pasted JWK Set', () => {
  it('holds public signing keys only', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const priv = await exportJWK(privateKey);
    expect(parseClientJwks(JSON.stringify({ keys: [es.jwk] }))).toEqual({ jwks: { keys: [es.jwk] } });
    expect(parseClientJwks(JSON.stringify({ keys: [priv] }))).toEqual({ problem: 'key 1: must be a public key: remove the private member d' });
    expect(parseClientJwks(JSON.stringify({ keys: [{ kty: 'oct', k: 'abc' }] }))).toMatchObject({ problem: expect.stringContaining('kty must be RSA, EC or OKP') });
    expect(parseClientJwks(JSON.stringify({ keys: [{ ...es.jwk, alg: 'HS256' }] }))).toMatchObject({ problem: expect.stringContaining('alg must be one of') });
    expect(parseClientJwks(JSON.stringify({ keys: [es.jwk, es.jwk] }))).toEqual({ problem: 'two keys share a kid' });
    expect(parseClientJwks('{')).toEqual({ problem: 'is not valid JSON' });
    expect(parseClientJwks('{"keys": []}')).toEqual({ problem: 'the JWK Set has no keys' });
  });
});
