// PKCE is required, S256 only (OAuth 2.1 §4.1.1, RFC 7636 §4.3).
import { invalidRequest } from '../errors.ts';
import { isValidCodeChallenge } from '../pkce.ts';
import type { AuthorizationParams } from './request.ts';

export function checkPkce(params: AuthorizationParams): string {
  if (!params.code_challenge) throw invalidRequest('code_challenge is required (PKCE)');
  if (params.code_challenge_method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!isValidCodeChallenge(params.code_challenge)) throw invalidRequest('code_challenge must be a base64url SHA-256 digest');
  return params.code_challenge;
}
