// Why a request was refused. Each error knows its HTTP status, the RFC 6750
// §3.1 (or RFC 9449 §7.1) error code that goes into WWW-Authenticate, and the
// authentication scheme whose challenge carries it: the one the request used.

export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** `Bearer` (RFC 6750) or `DPoP` (RFC 9449 §7.1). */
export type AuthScheme = 'Bearer' | 'DPoP';

export abstract class GatehouseAuthError extends Error {
  abstract readonly status: number;
  /** Error code for the WWW-Authenticate challenge; null when none belongs there. */
  abstract readonly code: BearerErrorCode | 'invalid_dpop_proof' | 'temporarily_unavailable' | 'access_denied' | null;
  /** The scheme whose challenge carries the error code. */
  scheme: AuthScheme = 'Bearer';
}

/** No bearer token at all: 401 with a bare challenge (RFC 6750 §3.1 — no error code). */
export class MissingTokenError extends GatehouseAuthError {
  readonly status = 401;
  readonly code = null;
  constructor(message = 'a bearer token is required') {
    super(message);
    this.name = 'MissingTokenError';
  }
}

/** A malformed Authorization header: 400 invalid_request. */
export class InvalidRequestError extends GatehouseAuthError {
  readonly status = 400;
  readonly code = 'invalid_request' as const;
  constructor(message: string, options: { scheme?: AuthScheme } = {}) {
    super(message);
    this.name = 'InvalidRequestError';
    if (options.scheme) this.scheme = options.scheme;
  }
}

/** Expired, revoked, malformed, for another audience, from another issuer, bound to another key: 401 invalid_token. */
export class InvalidTokenError extends GatehouseAuthError {
  readonly status = 401;
  readonly code = 'invalid_token' as const;
  constructor(message: string, options: { scheme?: AuthScheme } = {}) {
    super(message);
    this.name = 'InvalidTokenError';
    if (options.scheme) this.scheme = options.scheme;
  }
}

/** A DPoP proof that is missing, malformed or does not fit the request: 401 invalid_dpop_proof (RFC 9449 §7.1). */
export class InvalidDpopProofError extends GatehouseAuthError {
  readonly status = 401;
  readonly code = 'invalid_dpop_proof' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDpopProofError';
    this.scheme = 'DPoP';
  }
}

/** A valid token without the scopes this request needs: 403 insufficient_scope (step-up). */
export class InsufficientScopeError extends GatehouseAuthError {
  readonly status = 403;
  readonly code = 'insufficient_scope' as const;
  readonly requiredScopes: readonly string[];
  constructor(requiredScopes: readonly string[], message = 'the token lacks a scope this request needs', options: { scheme?: AuthScheme } = {}) {
    super(message);
    this.name = 'InsufficientScopeError';
    this.requiredScopes = [...requiredScopes];
    if (options.scheme) this.scheme = options.scheme;
  }
}

/** A valid token that may not run this tool or reach this workspace. */
export class ToolForbiddenError extends GatehouseAuthError {
  readonly status = 403;
  readonly code = 'access_denied' as const;
  readonly tool: string;
  readonly workspace: string | null;
  constructor(tool: string, workspace: string | null, message: string) {
    super(message);
    this.name = 'ToolForbiddenError';
    this.tool = tool;
    this.workspace = workspace;
  }
}

/** Gatehouse (JWKS or introspection) could not be reached: 503; nothing is cached. */
export class VerifierUnavailableError extends GatehouseAuthError {
  readonly status = 503;
  readonly code = 'temporarily_unavailable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerifierUnavailableError';
  }
}
