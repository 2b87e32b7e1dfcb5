// DPoP proofs at a resource server (RFC 9449 §4.3, §7): the proof that came
// with a DPoP-bound access token must be a `dpop+jwt` signed with an
// asymmetric algorithm by the public key in its own header, for this request
// (`htm`, `htu`), fresh (`iat`), for this very token (`ath`), by the key the
// token is bound to (`cnf.jkt`), and used once (`jti`, §11.1).
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { InvalidDpopProofError, InvalidTokenError, VerifierUnavailableError } from './errors.ts';

/** Asymmetric JWS algorithms a proof may use (RFC 9449 §4.2: never `none`, never a MAC). */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'Ed25519', 'EdDSA'];
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'PS256', 'RS256', 'Ed25519', 'EdDSA'];

/** JWK members that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI_LENGTH = 256;

export { createMemoryReplayCache, type DpopReplayCache } from './replay-cache.ts';
import type { DpopReplayCache } from './replay-cache.ts';
import { parseUrl } from './parse-url.ts';

/** base64url(SHA-256(token)): the proof's `ath` (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A URL for comparison: scheme and host normalized by the URL parser, query and fragment dropped (RFC 9449 §4.3 step 9). */
function htuForm(value: string): string | null {
  const url = parseUrl(value);
  if (!url) return null;
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * The URL the client used, from the resource's public base URL and the
 * request's path — never from the Host header, which a proxy or the client
 * may have set to anything. `requestUrl` is a path (`/mcp?x`) or an absolute URL
 * (a Fetch `Request`), of which only the path counts.
 */
export function publicRequestUrl(publicUrl: string, requestUrl: string): string {
  const path = requestUrl.startsWith('/') ? requestUrl.split(/[?#]/)[0] : new URL(requestUrl).pathname;
  return `${publicUrl.replace(/\/+$/, '')}${path}`;
}

export type ProofCheck = {
  /** The DPoP header's value; null when the request had none. */
  proof: string | null;
  method: string;
  /** The URL the client used (see `publicRequestUrl`). */
  url: string;
  /** The access token presented with the proof. */
  token: string;
  /** The thumbprint the token is bound to. */
  jkt: string;
  algorithms: readonly string[];
  /** How far `iat` may be from now, either way. */
  maxAgeSec: number;
  replay: DpopReplayCache;
  now: number;
};

/** Throws InvalidDpopProofError (or InvalidTokenError for a key the token is not bound to) unless the proof fits. */
export async function checkDpopProof(check: ProofCheck): Promise<void> {
  const proof = check.proof?.trim() ?? '';
  if (!proof) throw new InvalidDpopProofError('a DPoP-bound token needs a DPoP proof in the DPoP header');
  // Two DPoP headers arrive joined with a comma, which no JWT contains (RFC 9449 §4.3 step 1).
  if (/[\s,]/.test(proof)) throw new InvalidDpopProofError('the request must carry exactly one DPoP proof');

  let jwk: JWK;
  try {
    jwk = decodeProtectedHeader(proof).jwk as JWK;
  } catch {
    throw new InvalidDpopProofError('the DPoP proof is not a JWT');
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new InvalidDpopProofError('the DPoP proof header carries no jwk');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw new InvalidDpopProofError('the DPoP proof header must carry a public key only');

  let payload: JWTPayload;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...check.algorithms],
      requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
      currentDate: new Date(check.now),
    });
    payload = verified.payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JOSEError)) throw error;
    if (error instanceof joseErrors.JOSEAlgNotAllowed) throw new InvalidDpopProofError('the DPoP proof must be signed with one of the accepted asymmetric algorithms');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidDpopProofError(`the DPoP proof's ${error.claim} is missing or not acceptable`);
    throw new InvalidDpopProofError('the DPoP proof is not valid (type, key or signature)');
  }

  const { jti, htm, htu, iat, ath } = payload as { jti: unknown; htm: unknown; htu: unknown; iat: number; ath: unknown };
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw new InvalidDpopProofError("the DPoP proof's jti is not acceptable");
  if (htm !== check.method) throw new InvalidDpopProofError('the DPoP proof was made for another HTTP method');
  if (typeof htu !== 'string' || htuForm(htu) === null || htuForm(htu) !== htuForm(check.url)) throw new InvalidDpopProofError('the DPoP proof was made for another URL');
  const nowSec = check.now / 1000;
  if (Math.abs(nowSec - iat) > check.maxAgeSec) throw new InvalidDpopProofError('the DPoP proof is too old or from the future');
  if (ath !== accessTokenHash(check.token)) throw new InvalidDpopProofError('the DPoP proof was made for another access token (ath)');
  // RFC 9449 §7.1: a proof by a key the token is not bound to is a bad key binding, i.e. an invalid token.
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== check.jkt) throw new InvalidTokenError('the DPoP proof was signed by a key the token is not bound to', { scheme: 'DPoP' });

  // Last, so a proof refused for another reason does not use up its jti. Scoped by key: one client cannot spend another's identifiers.
  let first: boolean;
  try {
    first = await check.replay.firstUse(`dpop:${check.jkt}:${jti}`, new Date((iat + check.maxAgeSec) * 1000 + 1000));
  } catch (error) {
    throw new VerifierUnavailableError('the DPoP replay cache is unavailable', { cause: error });
  }
  if (!first) throw new InvalidDpopProofError('the DPoP proof was already used');
}
