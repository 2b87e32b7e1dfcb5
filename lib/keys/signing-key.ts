// Signing keys for RFC 9068 access tokens: generation, sealing at rest, JWKS.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { seal, unseal } from '../crypto.ts';

export const DEFAULT_SIGNING_ALG = 'ES256';

export type GeneratedSigningKey = {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateKeyEnc: string;
};

/** A fresh key pair; the kid is the RFC 7638 thumbprint, the private half sealed with `sealKey`. */
export async function generateSigningKey(sealKey: Buffer, alg = DEFAULT_SIGNING_ALG): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    privateKeyEnc: seal(JSON.stringify({ ...privateJwk, kid, alg }), sealKey),
  };
}

export async function openPrivateKey(privateKeyEnc: string, sealKey: Buffer, alg: string) {
  return importJWK(JSON.parse(unseal(privateKeyEnc, sealKey)) as JWK, alg);
}

/** The JWKS document: pending, active and retiring keys, public halves only. */
export function toJwks(keys: { status: string; publicJwk: Record<string, unknown> }[]): { keys: JWK[] } {
  return {
    keys: keys
      .filter((k) => k.status === 'active' || k.status === 'retiring' || k.status === 'pending')
      .map((k) => k.publicJwk as JWK),
  };
}
