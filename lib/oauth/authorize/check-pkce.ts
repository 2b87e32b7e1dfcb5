// PKCE is required, S256 only (OAuth 2.1 §4.1.1, RFC 7636 §4.3); and the DPoP
// key a code may be bound to (RFC 9449 §10), which is the same kind of digest.
import { invalidRequest } from '../errors.ts';
import { isValidCodeChallenge } from '../pkce.ts';
import type { AuthorizationParams } from './request.ts';

export function checkPkce(params: AuthorizationParams): string {
  if (!params.code_challenge) throw invalidRequest('code_challenge is required (PKCE)');
  if (params.code_challenge_method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!isValidCodeChallenge(params.code_challenge)) throw invalidRequest('code_challenge must be a base64url SHA-256 digest');
  return params.code_challenge;
}

/** `dpop_jkt`: a base64url SHA-256 JWK thumbprint (RFC 7638), or absent. */
export function checkDpopJkt(params: AuthorizationParams): string | null {
  if (params.dpop_jkt === undefined) return null;
  if (!isValidCodeChallenge(params.dpop_jkt)) throw invalidRequest('dpop_jkt must be a base64url SHA-256 JWK thumbprint');
  return params.dpop_jkt;
}
