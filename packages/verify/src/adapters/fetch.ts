// For plain Fetch-style handlers (`(req: Request) => Response`: Node's
// built-in servers via an adapter, Bun, Deno, Hono, Next.js route handlers…):
// answers CORS preflights, serves the resource metadata at its well-known
// paths, verifies the token and hands the handler the AuthInfo; refusals are
// answered with the proper challenge.
import { corsHeaders, preflightResponse, type CorsOptions } from '../cors.ts';
import { metadataHeaders } from '../metadata.ts';
import { errorResponse } from '../responses.ts';
import type { AuthInfo } from '../types.ts';
import { requireScopes, type Verifier } from '../verify.ts';

export type AuthenticatedHandler = (request: Request, auth: AuthInfo) => Response | Promise<Response>;

export type FetchAdapterOptions = {
  /** Scopes every request needs; a token without them gets 403 insufficient_scope. */
  requiredScopes?: readonly string[];
  /** Serve the RFC 9728 metadata at the resource's well-known paths. Default true. */
  serveMetadata?: boolean;
  cors?: CorsOptions;
};

function withHeaders(response: Response, extra: Record<string, string>): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(extra)) if (!headers.has(name)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Wraps `handler` so it only ever sees requests with a valid Gatehouse token. */
export function withGatehouseAuth(verifier: Verifier, handler: AuthenticatedHandler, options: FetchAdapterOptions = {}): (request: Request) => Promise<Response> {
  const serveMetadata = options.serveMetadata ?? true;
  return async (request) => {
    const origin = request.headers.get('origin');
    if (request.method === 'OPTIONS') return preflightResponse(origin, options.cors);
    if (serveMetadata && (request.method === 'GET' || request.method === 'HEAD')) {
      const { pathname } = new URL(request.url);
      if (verifier.metadataPaths.includes(pathname)) {
        return new Response(request.method === 'HEAD' ? null : JSON.stringify(verifier.metadata()), { status: 200, headers: metadataHeaders(origin, options.cors) });
      }
    }
    let auth: AuthInfo;
    try {
      auth = await verifier.verifyRequest(request);
      if (options.requiredScopes?.length) requireScopes(auth, options.requiredScopes);
    } catch (error) {
      return errorResponse(error, { resourceMetadataUrl: verifier.resourceMetadataUrl, dpopAlgorithms: verifier.dpopAlgorithms, requestOrigin: origin, cors: options.cors });
    }
    return withHeaders(await handler(request, auth), corsHeaders(origin, options.cors));
  };
}
