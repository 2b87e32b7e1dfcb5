// DPoP proofs for the load generator (RFC 9449 §4.2): a fresh ES256 proof per
// request, signed synchronously with node:crypto (tens of microseconds, far
// below what a token request costs the server), so every proof is new — its
// own jti, iat now — however long the run and whatever came before it.
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import type { JWK } from 'jose';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function dpopProofSigner(privateJwk: JWK, htu: string): () => string {
  const key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y } });
  return () => {
    const input = `${header}.${b64({ htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
}
