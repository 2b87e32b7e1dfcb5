// The answers to a refused request: 401 with a challenge that points at the
// resource metadata (RFC 9728 §5.1) so a client can discover Gatehouse, 403
// insufficient_scope naming the scope needed (RFC 6750 §3.1, step-up), 400 for
// a malformed header, 503 when Gatehouse cannot be asked. Both as Fetch
// `Response`s and for Node's `ServerResponse`.
import type { ServerResponse } from 'node:http';
import { corsHeaders, type CorsOptions } from './cors.ts';
import { GatehouseAuthError, InsufficientScopeError, InvalidTokenError, MissingTokenError } from './errors.ts';

export type ChallengeOptions = {
  /** The resource's metadata URL (see `resourceMetadataUrl`). */
  resourceMetadataUrl: string;
  /** The request's Origin, for CORS. */
  requestOrigin?: string | null;
  cors?: CorsOptions;
};

export type ErrorAnswer = { status: number; headers: Record<string, string>; body: { error: string; error_description: string } };

/** A quoted-string value: no quote, backslash or control characters (RFC 7235 §2.1). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"\x00-\x1f\x7f]/g, ' ')}"`;
}

/** `Bearer resource_metadata="…"[, error="…", error_description="…"][, scope="…"]` */
export function wwwAuthenticate(params: { resourceMetadataUrl: string; error?: string | null; description?: string; scope?: readonly string[] }): string {
  const parts = [`resource_metadata=${quoted(params.resourceMetadataUrl)}`];
  if (params.error) {
    parts.push(`error=${quoted(params.error)}`);
    if (params.description) parts.push(`error_description=${quoted(params.description)}`);
  }
  if (params.scope?.length) parts.push(`scope=${quoted(params.scope.join(' '))}`);
  return `Bearer ${parts.join(', ')}`;
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
  if (error instanceof MissingTokenError) {
    headers['WWW-Authenticate'] = wwwAuthenticate({ resourceMetadataUrl: options.resourceMetadataUrl });
    return { status: 401, headers, body: { error: 'unauthorized', error_description: error.message } };
  }
  if (error instanceof InsufficientScopeError) {
    headers['WWW-Authenticate'] = wwwAuthenticate({
      resourceMetadataUrl: options.resourceMetadataUrl,
      error: error.code,
      description: error.message,
      scope: error.requiredScopes,
    });
  } else if (error.status === 401 || error.status === 400) {
    headers['WWW-Authenticate'] = wwwAuthenticate({ resourceMetadataUrl: options.resourceMetadataUrl, error: error.code, description: error.message });
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
