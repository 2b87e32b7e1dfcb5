// The answers to a refused request: 401 with a challenge that points at the
// resource metadata (RFC 9728 §5.1) so a client can discover Gatehouse, 403
// insufficient_scope naming the scope needed (RFC 6750 §3.1, step-up), 400 for
// a malformed header, 503 when Gatehouse cannot be asked. Both as Fetch
// `Response`s and for Node's `ServerResponse`.
//
// When the resource accepts DPoP, every challenge offers both schemes (RFC
// 9449 §7.2, RFC 9110 §11.6.1): `Bearer …` first — MCP clients read the
// first challenge and know only Bearer — then `DPoP …, algs="…"`. The error
// goes on the challenge of the scheme the request used.
import type { ServerResponse } from 'node:http';
import { corsHeaders, type CorsOptions } from './cors.ts';
import { GatehouseAuthError, InsufficientScopeError, InvalidTokenError, MissingTokenError, type AuthScheme } from './errors.ts';

export type ChallengeOptions = {
  /** The resource's metadata URL (see `resourceMetadataUrl`). */
  resourceMetadataUrl: string;
  /** The DPoP proof algorithms accepted (`verifier.dpopAlgorithms`); without them only Bearer is offered. */
  dpopAlgorithms?: readonly string[];
  /** The request's Origin, for CORS. */
  requestOrigin?: string | null;
  cors?: CorsOptions;
};

export type ErrorAnswer = { status: number; headers: Record<string, string>; body: { error: string; error_description: string } };

/** A quoted-string value: no quote, backslash or control characters (RFC 7235 §2.1). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"\x00-\x1f\x7f]/g, ' ')}"`;
}

export type ChallengeParams = {
  resourceMetadataUrl: string;
  error?: string | null;
  description?: string;
  scope?: readonly string[];
  /** The scheme the error belongs to. Default Bearer. */
  scheme?: AuthScheme;
  /** Also offer the DPoP scheme with these algorithms. */
  dpopAlgorithms?: readonly string[];
};

/**
 * `Bearer resource_metadata="…"[, error="…", error_description="…"][, scope="…"]`,
 * followed by `DPoP resource_metadata="…"[, error…], algs="…"` when DPoP is offered.
 */
export function wwwAuthenticate(params: ChallengeParams): string {
  const scheme = params.scheme ?? 'Bearer';
  const challenge = (name: AuthScheme): string => {
    const parts = [`resource_metadata=${quoted(params.resourceMetadataUrl)}`];
    if (name === scheme) {
      if (params.error) {
        parts.push(`error=${quoted(params.error)}`);
        if (params.description) parts.push(`error_description=${quoted(params.description)}`);
      }
      if (params.scope?.length) parts.push(`scope=${quoted(params.scope.join(' '))}`);
    }
    if (name === 'DPoP' && params.dpopAlgorithms?.length) parts.push(`algs=${quoted(params.dpopAlgorithms.join(' '))}`);
    return `${name} ${parts.join(', ')}`;
  };
  // A DPoP error is always answered in a DPoP challenge, even by a caller that did not pass the algorithms.
  return params.dpopAlgorithms?.length || scheme === 'DPoP' ? `${challenge('Bearer')}, ${challenge('DPoP')}` : challenge('Bearer');
}

/** Status, headers and JSON body for any error; errors that are not ours become 500 without details. */
export function errorAnswer(error: unknown, options: ChallengeOptions): ErrorAnswer {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    ...corsHeaders(options.requestOrigin ?? null, options.cors),
  };
  if (!(error instanceof GatehouseAuthError)) {
    return { status: 500, headers, body: { error: 'server_error', error_description: 'the token could not be checked' } };
  }
  const base = { resourceMetadataUrl: options.resourceMetadataUrl, dpopAlgorithms: options.dpopAlgorithms, scheme: error.scheme };
  if (error instanceof MissingTokenError) {
    headers['WWW-Authenticate'] = wwwAuthenticate(base);
    return { status: 401, headers, body: { error: 'unauthorized', error_description: error.message } };
  }
  if (error instanceof InsufficientScopeError) {
    headers['WWW-Authenticate'] = wwwAuthenticate({ ...base, error: error.code, description: error.message, scope: error.requiredScopes });
  } else if (error.status === 401 || error.status === 400) {
    headers['WWW-Authenticate'] = wwwAuthenticate({ ...base, error: error.code, description: error.message });
  }
  if (error.status === 503) headers['Retry-After'] = '5';
  return { status: error.status, headers, body: { error: error.code ?? 'error', error_description: error.message } };
}

export function errorResponse(error: unknown, options: ChallengeOptions): Response {
  const answer = errorAnswer(error, options);
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
}

/** 401 for a request without a token (or with `error`, e.g. an invalid one). */
export function unauthorizedResponse(options: ChallengeOptions & { description?: string; invalidToken?: boolean }): Response {
  const error = options.invalidToken ? new InvalidTokenError(options.description ?? 'the token is not valid') : new MissingTokenError(options.description);
  return errorResponse(error, options);
}

/** 403 insufficient_scope naming the scopes the request needs (the client can step up). */
export function insufficientScopeResponse(options: ChallengeOptions & { scopes: readonly string[]; description?: string }): Response {
  return errorResponse(new InsufficientScopeError(options.scopes, options.description), options);
}

/** Writes the answer to a Node response. */
export function sendError(res: ServerResponse, error: unknown, options: ChallengeOptions): void {
  const answer = errorAnswer(error, options);
  res.writeHead(answer.status, answer.headers);
  res.end(JSON.stringify(answer.body));
}
