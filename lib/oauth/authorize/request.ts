// The authorization request (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, RFC 7636 §4.3,
// RFC 8707 §2) and the error that carries where — if anywhere — it may be sent.
import { OAuthError } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';

export type AuthorizationParams = {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  resource: string[];
};

export type ValidatedAuthorizationRequest = {
  client: OAuthClient;
  redirectUri: string;
  state: string | null;
  scope: string[];
  resource: string | null;
  codeChallenge: string;
  /** The parameters as sent, to carry through the consent page. */
  params: AuthorizationParams;
};

/**
 * An authorization error. With `redirectUri` it goes back to the client
 * (RFC 6749 §4.1.2.1); without, it is shown to the user, because the client
 * or its redirect URI could not be trusted.
 */
export class AuthorizationError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string | null = null,
    readonly state: string | null = null,
  ) {
    super(error.message);
    this.name = 'AuthorizationError';
  }
}

const MAX_PARAM_LENGTH = 4096;
const SINGLE = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

/** Reads query or form parameters; a repeated single-valued parameter is an error (RFC 6749 §3.1). */
export function readAuthorizationParams(search: URLSearchParams): AuthorizationParams {
  const params: AuthorizationParams = { resource: search.getAll('resource') };
  for (const name of SINGLE) {
    const values = search.getAll(name);
    if (values.length > 1) throw new AuthorizationError(new OAuthError('invalid_request', `parameter ${name} must not be repeated`, { mayRedirect: false }));
    if (values[0] !== undefined && values[0].length > MAX_PARAM_LENGTH) {
      throw new AuthorizationError(new OAuthError('invalid_request', `parameter ${name} is too long`, { mayRedirect: false }));
    }
    if (values[0] !== undefined) params[name] = values[0];
  }
  return params;
}

export function toSearchParams(params: AuthorizationParams): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of SINGLE) if (params[name] !== undefined) search.set(name, params[name]!);
  for (const r of params.resource) search.append('resource', r);
  return search;
}
