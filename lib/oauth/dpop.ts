// DPoP proofs at the token endpoint (RFC 9449 §4.3): a JWT the client signs
// with a key it holds, per request, naming the method and URL. A valid proof
// binds the tokens issued to that key (its RFC 7638 thumbprint, `cnf.jkt`).
// Server nonces (§8) are stateless: an HMAC of a time window under the server
// secret, so every instance accepts every other's.
import { createHmac } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { safeEqual } from '../crypto.ts';
import type { OAuthContext } from './context.ts';
import { OAuthError } from './errors.ts';
import { ENDPOINTS } from './metadata.ts';
import { isUrl } from '../parse-url.ts';

/** Asymmetric algorithms only (§4.2: never `none` nor a MAC); advertised as dpop_signing_alg_values_supported. */
export const DPOP_SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

/** How far a proof's `iat` may be from the server's clock, either way (§11.1). */
export const DPOP_IAT_WINDOW_SECONDS = 60;

/** A nonce is valid in the window it was issued in and the next (§8: the server decides how long). */
export const DPOP_NONCE_WINDOW_SECONDS = 300;

const MAX_PROOF_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** GATEHOUSE_DPOP_NONCE and the key its nonces are made with. */
export type DpopSettings = { nonce: boolean; nonceKey: Buffer };

export type DpopProofRequest = { proof: string | null; method: string };

/** The key a valid proof was signed with. */
export type DpopKey = { jkt: string };

export const invalidDpopProof = (description: string, detail?: string) => new OAuthError('invalid_dpop_proof', description, { detail });

function nonceFor(key: Buffer, window: number): string {
  return createHmac('sha256', key).update(`dpop-nonce:${window}`).digest('base64url');
}

const nonceWindow = (ctx: Pick<OAuthContext, 'now'>) => Math.floor(ctx.now().getTime() / 1000 / DPOP_NONCE_WINDOW_SECONDS);

/** The nonce to hand out now (the DPoP-Nonce header), or null when nonces are off. */
export function currentDpopNonce(ctx: Pick<OAuthContext, 'now' | 'dpop'>): string | null {
  return ctx.dpop.nonce ? nonceFor(ctx.dpop.nonceKey, nonceWindow(ctx)) : null;
}

function nonceIsFresh(ctx: Pick<OAuthContext, 'now' | 'dpop'>, nonce: string): boolean {
  const window = nonceWindow(ctx);
  return [window, window - 1].some((w) => safeEqual(nonce, nonceFor(ctx.dpop.nonceKey, w)));
}

/** §8: "use_dpop_nonce", with the nonce to use. */
function useDpopNonce(ctx: Pick<OAuthContext, 'now' | 'dpop'>, description: string): OAuthError {
  return new OAuthError('use_dpop_nonce', description, { headers: { 'DPoP-Nonce': currentDpopNonce(ctx)! } });
}

/** The token endpoint's URL as the client addressed it: the issuer's, whatever socket the request came in on. */
export function tokenEndpointUrl(issuer: string): string {
  return `${issuer}${ENDPOINTS.token}`;
}

/** §4.3 (9): the URI without query and fragment, syntax-normalised (RFC 3986 §6.2.2, §6.2.3). */
function sameHtu(htu: string, expected: string): boolean {
  if (!isUrl(htu)) return false;
  const a = new URL(htu);
  const b = new URL(expected);
  return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
}

/**
 * Checks the DPoP header of a token request (§4.3); null when there is none.
 * Throws invalid_dpop_proof (§5), or use_dpop_nonce (§8) when nonces are on
 * and the proof carries none or a stale one. The `jti` is spent last, so a
 * proof refused for its nonce leaves nothing behind.
 */
export async function checkDpopProof(ctx: Pick<OAuthContext, 'issuer' | 'now' | 'replay' | 'dpop'>, request: DpopProofRequest): Promise<DpopKey | null> {
  const proof = request.proof;
  if (proof === null) return null;
  if (proof.length === 0 || proof.length > MAX_PROOF_LENGTH) throw invalidDpopProof('the DPoP proof is malformed');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalidDpopProof('the DPoP proof is not a JWT');
  }
  if (header.typ !== 'dpop+jwt') throw invalidDpopProof('the DPoP proof must have typ dpop+jwt');
  if (typeof header.alg !== 'string' || !DPOP_SIGNING_ALGS.includes(header.alg)) {
    throw invalidDpopProof(`the DPoP proof must be signed with one of ${DPOP_SIGNING_ALGS.join(', ')}`);
  }
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object') throw invalidDpopProof('the DPoP proof must carry its public key in jwk');
  if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) throw invalidDpopProof('the DPoP proof\'s jwk must be a public key');

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_SIGNING_ALGS, currentDate: ctx.now() }));
  } catch (error) {
    throw invalidDpopProof('the DPoP proof\'s signature does not verify with its jwk', (error as Error).message);
  }

  const { htm, htu, iat, jti, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw invalidDpopProof('the DPoP proof needs a jti');
  if (htm !== request.method) throw invalidDpopProof(`the DPoP proof's htm must be ${request.method}`);
  if (typeof htu !== 'string' || !sameHtu(htu, tokenEndpointUrl(ctx.issuer))) {
    throw invalidDpopProof(`the DPoP proof's htu must be ${tokenEndpointUrl(ctx.issuer)}`);
  }
  const now = Math.floor(ctx.now().getTime() / 1000);
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now - iat) > DPOP_IAT_WINDOW_SECONDS) {
    throw invalidDpopProof('the DPoP proof\'s iat is too far from the server\'s time');
  }
  // §4.3 (10): `ath` goes with an access token, which a token request does not present.
  if (ath !== undefined) throw invalidDpopProof('the DPoP proof must not carry ath at the token endpoint');
  if (ctx.dpop.nonce) {
    if (nonce === undefined) throw useDpopNonce(ctx, 'the authorization server requires a nonce in the DPoP proof');
    if (typeof nonce !== 'string' || !nonceIsFresh(ctx, nonce)) throw useDpopNonce(ctx, 'the DPoP proof\'s nonce is stale; use the one given');
  }

  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  // Remembered while the proof's iat would still be accepted (§11.1).
  if (!(await ctx.replay.firstUse(`dpop:${jkt}:${jti}`, new Date((iat + DPOP_IAT_WINDOW_SECONDS + 1) * 1000)))) {
    throw invalidDpopProof('the DPoP proof has already been used');
  }
  return { jkt };
}

/**
 * The key a new refresh token is bound to (RFC 9449 §5): a public client's
 * follows its predecessor's, or the proof's when it is the first; a
 * confidential client's never is (it authenticates on each refresh instead).
 */
export function refreshTokenKey(client: { tokenEndpointAuthMethod: string }, previous: string | null, proof: DpopKey | null | undefined): string | null {
  if (client.tokenEndpointAuthMethod !== 'none') return null;
  return previous ?? proof?.jkt ?? null;
}
