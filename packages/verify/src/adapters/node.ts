// For node:http servers (and frameworks exposing IncomingMessage/ServerResponse):
// the preflight and metadata answers, and "verify or answer the refusal".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { corsHeaders, preflightHeaders, type CorsOptions } from '../cors.ts';
import { metadataHeaders } from '../metadata.ts';
import { sendError } from '../responses.ts';
import type { AuthInfo } from '../types.ts';
import { requireScopes, type Verifier } from '../verify.ts';

const originOf = (req: IncomingMessage) => (typeof req.headers.origin === 'string' ? req.headers.origin : null);

/**
 * Answers CORS preflights and GET/HEAD of the resource metadata (both
 * well-known paths). Returns true when it answered.
 */
export function handleMetadataAndPreflight(verifier: Verifier, req: IncomingMessage, res: ServerResponse, cors: CorsOptions = {}): boolean {
  const origin = originOf(req);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, preflightHeaders(origin, cors));
    res.end();
    return true;
  }
  const pathname = new URL(req.url ?? '/', 'http://resource.invalid').pathname;
  if ((req.method === 'GET' || req.method === 'HEAD') && verifier.metadataPaths.includes(pathname)) {
    res.writeHead(200, metadataHeaders(origin, cors));
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(verifier.metadata()));
    return true;
  }
  return false;
}

/**
 * Verifies the request's token. On success sets the CORS headers on `res` and
 * returns the AuthInfo; otherwise answers 400/401/403/503 itself and returns null.
 */
export async function authenticateNode(
  verifier: Verifier,
  req: IncomingMessage,
  res: ServerResponse,
  options: { requiredScopes?: readonly string[]; cors?: CorsOptions } = {},
): Promise<AuthInfo | null> {
  const origin = originOf(req);
  try {
    const auth = await verifier.verifyRequest(req);
    if (options.requiredScopes?.length) requireScopes(auth, options.requiredScopes);
    for (const [name, value] of Object.entries(corsHeaders(origin, options.cors))) res.setHeader(name, value);
    return auth;
  } catch (error) {
    sendError(res, error, { resourceMetadataUrl: verifier.resourceMetadataUrl, dpopAlgorithms: verifier.dpopAlgorithms, requestOrigin: origin, cors: options.cors });
    return null;
  }
}
