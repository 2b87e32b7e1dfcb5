// CORS for browser MCP clients: they must be able to send Authorization, DPoP
// (RFC 9449 §4.1) and MCP-Protocol-Version, and to read WWW-Authenticate (where discovery starts).
// Tokens travel in a header, never in credentials mode, so `*` is safe.

export type CorsOptions = {
  /** `*` (the default) or the exact origins allowed. */
  allowOrigin?: '*' | readonly string[];
};

export const CORS_ALLOW_HEADERS = ['Authorization', 'DPoP', 'Content-Type', 'Accept', 'MCP-Protocol-Version', 'Mcp-Session-Id', 'Last-Event-ID'];
export const CORS_EXPOSE_HEADERS = ['WWW-Authenticate', 'Mcp-Session-Id', 'MCP-Protocol-Version'];
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'];

/** Headers for any response; `requestOrigin` is the request's Origin header. */
export function corsHeaders(requestOrigin: string | null = null, options: CorsOptions = {}): Record<string, string> {
  const allow = options.allowOrigin ?? '*';
  const headers: Record<string, string> = {
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(', '),
  };
  if (allow === '*') {
    headers['Access-Control-Allow-Origin'] = '*';
  } else {
    headers.Vary = 'Origin';
    if (requestOrigin && allow.includes(requestOrigin)) headers['Access-Control-Allow-Origin'] = requestOrigin;
  }
  return headers;
}

/** Headers for the answer to a preflight (OPTIONS) request. */
export function preflightHeaders(requestOrigin: string | null = null, options: CorsOptions = {}): Record<string, string> {
  return {
    ...corsHeaders(requestOrigin, options),
    'Access-Control-Allow-Methods': CORS_ALLOW_METHODS.join(', '),
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS.join(', '),
    'Access-Control-Max-Age': '600',
  };
}

export function preflightResponse(requestOrigin: string | null = null, options: CorsOptions = {}): Response {
  return new Response(null, { status: 204, headers: preflightHeaders(requestOrigin, options) });
}
