// The DPoP proof checker (RFC 9449 §4.3, §8, §11.1): every rule on its own,
// with the in-process replay guard and a fixed clock.
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryContext, TEST_ISSUER, TEST_NOW, type MemoryContext } from '../../tests/helpers/memory-context.ts';
import { DPOP_IAT_WINDOW_SECONDS, DPOP_NONCE_WINDOW_SECONDS, checkDpopProof, currentDpopNonce, refreshTokenKey } from './dpop.ts';

const HTU = `${TEST_ISSUER}/oauth/token`;
const NOW = Math.floor(TEST_NOW.getTime() / 1000);

let ctx: MemoryContext;
let key: { privateKey: CryptoKey; publicJwk: JWK; jkt: string };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  key = { privateKey: pair.privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
});
beforeEach(async () => {
  ctx = await createMemoryContext();
});

type ProofOptions = { header?: Record<string, unknown>; claims?: Record<string, unknown>; alg?: string; signWith?: CryptoKey };

function proof(opts: ProofOptions = {}): Promise<string> {
  const claims = { htm: 'POST', htu: HTU, iat: NOW, jti: randomUUID(), ...opts.claims };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k as keyof typeof claims];
  return new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...opts.header } as never).sign(opts.signWith ?? key.privateKey);
}

const check = async (p: string | null, method = 'POST') => checkDpopProof(ctx, { proof: p, method });
const refusedWith = (code: string) => expect.objectContaining({ code, status: 400 });

describe('a DPoP proof at the token endpoint', () => {
  it('without one there is nothing to bind', async () => {
    expect(await check(null)).toBeNull();
  });

  it('a valid proof gives the RFC 7638 thumbprint of its key', async () => {
    expect(await check(await proof())).toEqual({ jkt: key.jkt });
  });

  it('other asymmetric algorithms are accepted (RS256, EdDSA)', async () => {
    for (const alg of ['RS256', 'EdDSA']) {
      const pair = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(pair.publicKey);
      const p = await new SignJWT({ htm: 'POST', htu: HTU, iat: NOW, jti: randomUUID() }).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).sign(pair.privateKey);
      expect(await check(p)).toEqual({ jkt: await calculateJwkThumbprint(jwk) });
    }
  });

  it('refuses a header value that is not a JWT, or several proofs in one header', async () => {
    await expect(check('not-a-jwt')).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    await expect(check(`${await proof()}, ${await proof()}`)).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    await expect(check('')).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('refuses a typ other than dpop+jwt', async () => {
    await expect(check(await proof({ header: { typ: 'JWT' } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('refuses a symmetric algorithm and none', async () => {
    const secret = new Uint8Array(32).fill(7);
    const hs = await new SignJWT({ htm: 'POST', htu: HTU, iat: NOW, jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } as never })
      .sign(secret);
    await expect(check(hs)).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    const [, body] = (await proof()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })).toString('base64url')}.${body}.`;
    await expect(check(none)).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('refuses a proof without its jwk, or whose jwk holds the private key', async () => {
    await expect(check(await proof({ header: { jwk: undefined } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    const privateJwk = await exportJWK(key.privateKey);
    await expect(check(await proof({ header: { jwk: privateJwk } }))).rejects.toMatchObject({ code: 'invalid_dpop_proof', description: expect.stringContaining('public key') });
  });

  it('refuses a signature made with another key than its jwk', async () => {
    const other = await generateKeyPair('ES256');
    await expect(check(await proof({ signWith: other.privateKey }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('refuses an htm other than the request method', async () => {
    await expect(check(await proof({ claims: { htm: 'GET' } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    await expect(check(await proof(), 'PUT')).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('htu is the token endpoint at the issuer\'s URL, query and fragment ignored, syntax-normalised', async () => {
    expect(await check(await proof({ claims: { htu: `${HTU}?x=1#frag` } }))).toEqual({ jkt: key.jkt });
    expect(await check(await proof({ claims: { htu: 'https://GATE.example.com:443/oauth/token' } }))).toEqual({ jkt: key.jkt });
    for (const htu of ['http://gate.example.com/oauth/token', 'https://gate.example.com/oauth/revoke', 'https://other.example/oauth/token', 'http://127.0.0.1:3000/oauth/token', 'not a url', 42]) {
      await expect(check(await proof({ claims: { htu } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    }
  });

  it(`accepts an iat within ±${DPOP_IAT_WINDOW_SECONDS} s of the server's clock, and nothing further`, async () => {
    expect(await check(await proof({ claims: { iat: NOW - DPOP_IAT_WINDOW_SECONDS } }))).toEqual({ jkt: key.jkt });
    expect(await check(await proof({ claims: { iat: NOW + DPOP_IAT_WINDOW_SECONDS } }))).toEqual({ jkt: key.jkt });
    for (const iat of [NOW - DPOP_IAT_WINDOW_SECONDS - 1, NOW + DPOP_IAT_WINDOW_SECONDS + 1, undefined, 'now']) {
      await expect(check(await proof({ claims: { iat } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    }
  });

  it('refuses a proof without a jti, and a jti used before', async () => {
    await expect(check(await proof({ claims: { jti: undefined } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
    const once = await proof();
    await check(once);
    await expect(check(once)).rejects.toMatchObject({ code: 'invalid_dpop_proof', description: expect.stringContaining('already been used') });
    // The same jti in a fresh proof is still a replay.
    const jti = randomUUID();
    await check(await proof({ claims: { jti } }));
    await expect(check(await proof({ claims: { jti, iat: NOW - 1 } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('refuses ath at the token endpoint', async () => {
    await expect(check(await proof({ claims: { ath: 'x' } }))).rejects.toEqual(refusedWith('invalid_dpop_proof'));
  });

  it('ignores a nonce while server nonces are off', async () => {
    expect(currentDpopNonce(ctx)).toBeNull();
    expect(await check(await proof({ claims: { nonce: 'anything' } }))).toEqual({ jkt: key.jkt });
  });
});

describe('with server nonces on (GATEHOUSE_DPOP_NONCE)', () => {
  beforeEach(async () => {
    ctx = await createMemoryContext({ dpopNonce: true });
  });

  it('a proof without a nonce gets use_dpop_nonce with the nonce to use, and spends no jti', async () => {
    const jti = randomUUID();
    const error = await check(await proof({ claims: { jti } })).catch((e) => e);
    expect(error).toMatchObject({ code: 'use_dpop_nonce', status: 400, headers: { 'DPoP-Nonce': currentDpopNonce(ctx) } });
    expect(await check(await proof({ claims: { jti, nonce: currentDpopNonce(ctx) } }))).toEqual({ jkt: key.jkt });
  });

  it('a nonce stays valid through the next window, and is stale after it', async () => {
    const nonce = currentDpopNonce(ctx)!;
    ctx.setNow(new Date(TEST_NOW.getTime() + DPOP_NONCE_WINDOW_SECONDS * 1000));
    const at = (s: number) => ({ iat: Math.floor(ctx.now().getTime() / 1000) + s });
    expect(await check(await proof({ claims: { nonce, ...at(0) } }))).toEqual({ jkt: key.jkt });
    ctx.setNow(new Date(TEST_NOW.getTime() + 2 * DPOP_NONCE_WINDOW_SECONDS * 1000));
    await expect(check(await proof({ claims: { nonce, ...at(0) } }))).rejects.toMatchObject({ code: 'use_dpop_nonce', headers: { 'DPoP-Nonce': currentDpopNonce(ctx) } });
    expect(currentDpopNonce(ctx)).not.toBe(nonce);
  });

  it('a nonce made with another server secret is stale', async () => {
    const other = await createMemoryContext({ dpopNonce: true });
    other.dpop = { ...other.dpop, nonceKey: Buffer.alloc(32, 1) };
    await expect(check(await proof({ claims: { nonce: currentDpopNonce(other) } }))).rejects.toEqual(refusedWith('use_dpop_nonce'));
    await expect(check(await proof({ claims: { nonce: 5 } }))).rejects.toEqual(refusedWith('use_dpop_nonce'));
  });
});

describe('which refresh tokens are bound (RFC 9449 §5)', () => {
  it('a public client\'s: to its predecessor\'s key, else the proof\'s; a confidential client\'s never', () => {
    const publicClient = { tokenEndpointAuthMethod: 'none' };
    expect(refreshTokenKey(publicClient, null, { jkt: 'a' })).toBe('a');
    expect(refreshTokenKey(publicClient, 'a', { jkt: 'a' })).toBe('a');
    expect(refreshTokenKey(publicClient, null, null)).toBeNull();
    expect(refreshTokenKey({ tokenEndpointAuthMethod: 'client_secret_basic' }, null, { jkt: 'a' })).toBeNull();
  });
});
