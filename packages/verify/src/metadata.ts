// RFC 9728 protected resource metadata: the document that tells an MCP client
// which authorization server (Gatehouse) guards this resource, served at the
// path-suffixed well-known URL (§3.1) and, for clients that only try the root,
// at the root one too.
import { corsHeaders, type CorsOptions } from './cors.ts';
import { isUrl } from './parse-url.ts';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The resource identifier exactly as clients will compare it and Gatehouse
 * will put it in `aud`: an absolute http(s) URL without fragment, scheme and
 * host lower-cased (RFC 3986 §6.2.2.1), everything else kept as written.
 */
export function canonicalResource(resource: string): string {
  if (!isUrl(resource)) throw new TypeError(`resource must be an absolute URL: ${resource}`);
  if (resource.includes('#')) throw new TypeError(`resource must not contain a fragment: ${resource}`);
  const url = new URL(resource);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`resource must be an http(s) URL: ${resource}`);
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(resource);
  if (!match) throw new TypeError(`resource must be an absolute URL: ${resource}`);
  return `${match[1].toLowerCase()}://${match[2].toLowerCase()}${match[3]}`;
}

/** The metadata paths for a resource: path-suffixed first, then the root one. */
export function protectedResourceMetadataPaths(resource: string): string[] {
  const path = new URL(canonicalResource(resource)).pathname.replace(/\/$/, '');
  return path ? [`${WELL_KNOWN}${path}`, WELL_KNOWN] : [WELL_KNOWN];
}

/** The URL that goes into `WWW-Authenticate: Bearer resource_metadata="…"`. */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(canonicalResource(resource));
  return `${url.origin}${protectedResourceMetadataPaths(resource)[0]}`;
}

export type ProtectedResourceMetadataOptions = {
  resource: string;
  /** Gatehouse's issuer, byte for byte. */
  issuer: string;
  /** Scopes a client should ask for; `offline_access` is Gatehouse's business and is left out. */
  scopes?: readonly string[];
  resourceName?: string;
  documentation?: string;
  /** DPoP proof algorithms this resource accepts (RFC 9728 §2 `dpop_signing_alg_values_supported`). */
  dpopAlgorithms?: readonly string[];
};

export type ProtectedResourceMetadata = {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  dpop_signing_alg_values_supported?: string[];
};

export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  const scopes = (options.scopes ?? []).filter((s) => s !== 'offline_access');
  return {
    resource: canonicalResource(options.resource),
    authorization_servers: [options.issuer],
    bearer_methods_supported: ['header'],
    ...(scopes.length ? { scopes_supported: [...new Set(scopes)] } : {}),
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.documentation ? { resource_documentation: options.documentation } : {}),
    ...(options.dpopAlgorithms?.length ? { dpop_signing_alg_values_supported: [...options.dpopAlgorithms] } : {}),
  };
}

/** True when `pathname` is one of the resource's metadata paths. */
export function isProtectedResourceMetadataPath(resource: string, pathname: string): boolean {
  return protectedResourceMetadataPaths(resource).includes(pathname);
}

export function metadataHeaders(requestOrigin: string | null = null, cors: CorsOptions = {}): Record<string, string> {
  return { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300', ...corsHeaders(requestOrigin, cors) };
}

export function protectedResourceMetadataResponse(options: ProtectedResourceMetadataOptions, requestOrigin: string | null = null, cors: CorsOptions = {}): Response {
  return new Response(JSON.stringify(protectedResourceMetadata(options)), { status: 200, headers: metadataHeaders(requestOrigin, cors) });
}
