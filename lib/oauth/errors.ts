// OAuth errors (RFC 6749 §4.1.2.1, §5.2; RFC 7591 §3.2.2; RFC 8707 §2; RFC 6750 §3.1; RFC 9449 §5, §8).
// Each error knows its wire code, HTTP status, and whether it may be sent to
// the client's redirect URI — only after the client and redirect URI are trusted.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  | 'slow_down'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  invalid_target: 400,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  unsupported_token_type: 400,
  slow_down: 429,
  // RFC 9449 §5, §8.
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
};

export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    opts: { status?: number; mayRedirect?: boolean; headers?: Record<string, string>; detail?: string } = {},
  ) {
    super(`${code}: ${description}`);
    this.name = 'OAuthError';
    this.status = opts.status ?? STATUS[code];
    this.mayRedirect = opts.mayRedirect ?? true;
    this.headers = opts.headers ?? {};
    this.detail = opts.detail;
  }

  /** What happened, for the server's log only: never sent to the caller. */
  readonly detail: string | undefined;

  /** Extra response headers, e.g. WWW-Authenticate on a 401. */
  readonly headers: Record<string, string>;

  /** False for errors about the client or redirect URI themselves: those render a page instead. */
  readonly mayRedirect: boolean;

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidClient = (description: string, opts: { status?: number; headers?: Record<string, string>; detail?: string } = {}) =>
  new OAuthError('invalid_client', description, { ...opts, mayRedirect: false });
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const invalidTarget = (description: string) => new OAuthError('invalid_target', description);
export const unauthorizedClient = (description: string) => new OAuthError('unauthorized_client', description);
