// The authorization request (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, RFC 7636 §4.3,
// RFC 8707 §2) and the error that carries where — if anywhere — it may be sent.
import { isVouchedFor } from '../client-trust.ts';
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
  /** RFC 9449 §10: the thumbprint of the DPoP key the code is to be bound to. */
  dpop_jkt?: string;
  resource: string[];
};

export type ValidatedAuthorizationRequest = {
  client: OAuthClient;
  redirectUri: string;
  state: string | null;
  scope: string[];
  resource: string | null;
  codeChallenge: string;
  /** The DPoP key the code's exchange must prove (RFC 9449 §10), or null. */
  dpopJkt: string | null;
  /** The parameters as sent, to carry through the consent page. */
  params: AuthorizationParams;
};

/**
 * How an authorization error reaches the user:
 * - `redirect`: back to the client at once (RFC 6749 §4.1.2.1), for a client an
 *   administrator made or approved;
 * - `confirm`: on a Gatehouse page naming the client and the host it would
 *   return to, with a link that returns the error there (RFC 9700 §4.11.2: a
 *   self-registered client's redirect URI is anyone's, so nothing is sent to it
 *   before the user has acted);
 * - `page`: only shown, because the client or its redirect URI could not be trusted;
 * - `awaiting_approval`: shown, saying the client waits for an administrator.
 */
export type ErrorDelivery = 'redirect' | 'confirm' | 'page' | 'awaiting_approval';

/** An authorization error, with `redirectUri` when it may go back to the client. */
export class AuthorizationError extends Error {
  readonly client: OAuthClient | null;
  readonly awaitingApproval: boolean;

  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string | null = null,
    readonly state: string | null = null,
    opts: { client?: OAuthClient; awaitingApproval?: boolean } = {},
  ) {
    super(error.message);
    this.name = 'AuthorizationError';
    this.client = opts.client ?? null;
    this.awaitingApproval = opts.awaitingApproval ?? false;
  }

  get delivery(): ErrorDelivery {
    if (this.awaitingApproval) return 'awaiting_approval';
    if (!this.redirectUri) return 'page';
    return this.client && isVouchedFor(this.client) ? 'redirect' : 'confirm';
  }
}

const MAX_PARAM_LENGTH = 4096;
const SINGLE = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'dpop_jkt'] as const;

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
