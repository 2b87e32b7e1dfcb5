// private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9): a client proves who it
// is with a JWT it signed with its private key. The rules, each a reason in the
// log but one generic answer to the caller (a stranger learns nothing about
// which part was wrong):
//   - an asymmetric `alg` (lib/oauth/client-jwks.ts) and a signature by one of
//     the client's registered keys;
//   - `iss` = `sub` = the client_id;
//   - `aud` = the issuer or the token endpoint URL (RFC 7523 §3; the issuer is
//     what draft-ietf-oauth-rfc7523bis prefers), one value or a list holding one;
//   - `exp` required and at most MAX_LIFETIME_SECONDS ahead; `iat` and `nbf`,
//     when present, not in the future (with CLOCK_LEEWAY_SECONDS);
//   - `jti` required and used once (ctx.replay, until the assertion expires).
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK, type JWTPayload } from 'jose';
import { ASSERTION_SIGNING_ALGS } from './client-jwks.ts';
import type { OAuthContext } from './context.ts';
import { ENDPOINTS } from './metadata.ts';
import type { OAuthClient } from './ports.ts';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const MAX_LIFETIME_SECONDS = 300;
export const CLOCK_LEEWAY_SECONDS = 30;
const MAX_ASSERTION_LENGTH = 16 * 1024;
const MAX_JTI_LENGTH = 256;

/** The client_id an assertion claims to be from (its unverified `sub`, else `iss`), to find the client by. */
export function assertionSubject(assertion: string): string | null {
  if (assertion.length > MAX_ASSERTION_LENGTH) return null;
  try {
    const claims = decodeJwt(assertion);
    const id = typeof claims.sub === 'string' ? claims.sub : claims.iss;
    return typeof id === 'string' && id.length > 0 && id.length <= 2048 ? id : null;
  } catch {
    return null;
  }
}

async function verifyWith(assertion: string, jwks: JWK[], alg: string, kid: string | undefined): Promise<JWTPayload | null> {
  for (const jwk of jwks) {
    if (kid !== undefined && jwk.kid !== kid) continue;
    if (jwk.alg !== undefined && jwk.alg !== alg) continue;
    try {
      const key = await importJWK(jwk, alg);
      // Only the signature here; the claims are checked against our clock below.
      const { payload } = await compactVerify(assertion, key, { algorithms: [alg] });
      const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
      return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as JWTPayload) : null;
    } catch {
      // Not this key (or a key that does not fit the alg): try the next.
    }
  }
  return null;
}

/** Checks a client assertion for `client`; resolves to null when it is good, else to the reason it is not (for the log). */
export async function checkClientAssertion(ctx: OAuthContext, client: OAuthClient, assertion: string): Promise<string | null> {
  if (assertion.length > MAX_ASSERTION_LENGTH) return 'assertion_too_long';
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return 'malformed_assertion';
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !(ASSERTION_SIGNING_ALGS as readonly string[]).includes(alg)) return 'alg_not_allowed';
  const kid = typeof header.kid === 'string' ? header.kid : undefined;

  let keys: JWK[];
  try {
    keys = (await ctx.clientKeys.keysOf(client)) as JWK[];
  } catch {
    return 'keys_unavailable';
  }
  let payload = await verifyWith(assertion, keys, alg, kid);
  if (!payload && client.jwksUri) {
    // The client may have rotated: one fresh look at its published keys (rate-limited by the source).
    try {
      payload = await verifyWith(assertion, (await ctx.clientKeys.keysOf(client, { refresh: true })) as JWK[], alg, kid);
    } catch {
      return 'keys_unavailable';
    }
  }
  if (!payload) return kid !== undefined && !keys.some((k) => k.kid === kid) ? 'unknown_kid' : 'bad_signature';

  const now = Math.floor(ctx.now().getTime() / 1000);
  if (payload.iss !== client.clientId || payload.sub !== client.clientId) return 'wrong_iss_or_sub';
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const accepted = [ctx.issuer, `${ctx.issuer}${ENDPOINTS.token}`];
  if (audiences.length !== 1 || !accepted.includes(audiences[0] as string)) return 'wrong_aud';
  if (typeof payload.exp !== 'number') return 'missing_exp';
  if (payload.exp <= now - CLOCK_LEEWAY_SECONDS) return 'expired';
  if (payload.exp > now + MAX_LIFETIME_SECONDS + CLOCK_LEEWAY_SECONDS) return 'exp_too_far';
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now + CLOCK_LEEWAY_SECONDS)) return 'not_yet_valid';
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_LEEWAY_SECONDS)) return 'issued_in_future';
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > MAX_JTI_LENGTH) return 'missing_jti';
  const until = new Date((payload.exp + CLOCK_LEEWAY_SECONDS) * 1000);
  if (!(await ctx.replay.firstUse(`client-assertion:${client.clientId}:${payload.jti}`, until))) return 'replayed_jti';
  return null;
}
