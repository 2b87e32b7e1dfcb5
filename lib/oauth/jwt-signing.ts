// Compact JWS signing (RFC 7515 §7.1) for our ECDSA keys with node:crypto's
// synchronous signer: a token endpoint signs on every request, and jose's
// WebCrypto path costs several times more per signature. Other algorithms go
// through jose. Verification stays with jose (jwtVerify), which checks everything.
import { KeyObject, sign } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

const ECDSA_HASH: Record<string, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' };
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = KeyObject.from(key)));
  return object;
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function signJwt(header: { alg: string; kid: string; typ: string }, payload: JWTPayload, key: CryptoKey): Promise<string> {
  const hash = ECDSA_HASH[header.alg];
  if (!hash) return new SignJWT(payload).setProtectedHeader(header).sign(key);
  const input = `${segment(header)}.${segment(payload)}`;
  // JWS uses the fixed-width r‖s form (RFC 7518 §3.4), not DER.
  const signature = sign(hash, Buffer.from(input), { key: keyObjectOf(key), dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
