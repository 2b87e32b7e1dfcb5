import { SignJWT, jwtVerify, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../crypto.ts';
import { generateSigningKey, openPrivateKey, toJwks } from './signing-key.ts';

const sealKey = deriveKey('k'.repeat(40), 'signing-keys');

describe('signing keys', () => {
  it('generates an ES256 key whose private half is sealed and usable', async () => {
    const key = await generateSigningKey(sealKey);
    expect(key.alg).toBe('ES256');
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: key.kid, use: 'sig' });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.privateKeyEnc).not.toContain('"d"');

    const privateKey = await openPrivateKey(key.privateKeyEnc, sealKey, key.alg);
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuer('https://as.example').sign(privateKey);
    const jwks = createLocalJWKSet(toJwks([{ status: 'active', publicJwk: key.publicJwk }]));
    await expect(jwtVerify(jwt, jwks, { issuer: 'https://as.example' })).resolves.toBeTruthy();
  });

  it('publishes active, pending and retiring keys but not retired ones', async () => {
    const jwk = (kid: string) => ({ kid });
    const jwks = toJwks([
      { status: 'active', publicJwk: jwk('a') },
      { status: 'retiring', publicJwk: jwk('b') },
      { status: 'retired', publicJwk: jwk('c') },
      { status: 'pending', publicJwk: jwk('d') },
    ]);
    expect(jwks.keys.map((k) => k.kid)).toEqual(['a', 'b', 'd']);
  });

  it('refuses to open a key with the wrong secret', async () => {
    const key = await generateSigningKey(sealKey);
    await expect(openPrivateKey(key.privateKeyEnc, deriveKey('z'.repeat(40), 'signing-keys'), key.alg)).rejects.toThrow();
  });
});
