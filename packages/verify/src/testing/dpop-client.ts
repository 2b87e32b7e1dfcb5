// What a DPoP client does, for tests: a key pair, its RFC 7638 thumbprint (the
// `cnf.jkt` Gatehouse puts in the tokens it binds to it) and proofs (RFC 9449
// §4.2) for a request, each part overridable to build a bad one.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { accessTokenHash } from '../dpop.ts';

export type DpopKey = { alg: string; privateKey: CryptoKey; publicJwk: JWK; privateJwk: JWK; jkt: string };

export async function makeDpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, privateJwk: await exportJWK(privateKey), jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export type ProofOptions = {
  method: string;
  url: string;
  /** The access token the proof goes with (gives `ath`). */
  token?: string;
  /** Overrides `ath`; null leaves it out. */
  ath?: string | null;
  /** Seconds since the epoch. Default now. */
  iat?: number;
  jti?: string;
  typ?: string;
  /** Overrides the header's `jwk`. */
  jwk?: JWK;
};

export async function signDpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: options.jti ?? crypto.randomUUID(),
    htm: options.method,
    htu: options.url,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  const ath = options.ath === undefined ? (options.token ? accessTokenHash(options.token) : undefined) : options.ath;
  if (ath !== null && ath !== undefined) claims.ath = ath;
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? key.publicJwk }).sign(key.privateKey);
}
