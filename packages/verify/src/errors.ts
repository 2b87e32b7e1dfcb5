// Why a request was refused. Each error knows its HTTP status and, for bearer
// errors, the RFC 6750 §3.1 error code that goes into WWW-Authenticate.

export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export abstract class GatehouseAuthError extends Error {
  abstract readonly status: number;
  /** RFC 6750 error code for the WWW-Authenticate challenge; null when none belongs there. */
  abstract readonly code: BearerErrorCode | 'temporarily_unavailable' | 'access_denied' | null;
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
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** Expired, revoked, malformed, for another audience, from another issuer: 401 invalid_token. */
export class InvalidTokenError extends GatehouseAuthError {
  readonly status = 401;
  readonly code = 'invalid_token' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** A valid token without the scopes this request needs: 403 insufficient_scope (step-up). */
export class InsufficientScopeError extends GatehouseAuthError {
  readonly status = 403;
  readonly code = 'insufficient_scope' as const;
  readonly requiredScopes: readonly string[];
  constructor(requiredScopes: readonly string[], message = 'the token lacks a scope this request needs') {
    super(message);
    this.name = 'InsufficientScopeError';
    this.requiredScopes = [...requiredScopes];
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
