// Discovery documents: RFC 8414 authorization server metadata (also served as
// OpenID discovery) and RFC 9728 protected resource metadata for Gatehouse's
// own API. `issuer` is the configured string byte for byte (RFC 8414 §3.3).
import { ASSERTION_SIGNING_ALGS } from './client-jwks.ts';
import { DPOP_SIGNING_ALGS } from './dpop.ts';

export type AuthorizationServerMetadata = Record<string, unknown> & { issuer: string };

export const ENDPOINTS = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/.well-known/jwks.json',
  /** nginx auth_request / Traefik ForwardAuth in front of MCP servers (lib/oauth/edge-decision.ts). */
  edgeDecision: '/edge/decision',
} as const;

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
const CONFIDENTIAL_AUTH_METHODS = CLIENT_AUTH_METHODS.filter((m) => m !== 'none');

/**
 * What is on: `registration_endpoint` only while dynamic registration is
 * (RFC 8414 §2: it is OPTIONAL), and `client_id_metadata_document_supported`
 * (MCP 2026-07-28 client registration) while some host's documents are accepted.
 */
export type ServerFeatures = { dynamicRegistration: boolean; clientIdMetadataDocuments: boolean };

const ALL_ON: ServerFeatures = { dynamicRegistration: true, clientIdMetadataDocuments: true };

export function authorizationServerMetadata(issuer: string, scopes: string[], features: ServerFeatures = ALL_ON): AuthorizationServerMetadata {
  const at = (path: string) => `${issuer}${path}`;
  return {
    issuer,
    authorization_endpoint: at(ENDPOINTS.authorization),
    token_endpoint: at(ENDPOINTS.token),
    ...(features.dynamicRegistration ? { registration_endpoint: at(ENDPOINTS.registration) } : {}),
    revocation_endpoint: at(ENDPOINTS.revocation),
    introspection_endpoint: at(ENDPOINTS.introspection),
    jwks_uri: at(ENDPOINTS.jwks),
    scopes_supported: scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    // private_key_jwt assertions (RFC 8414 §2, RFC 7523 §2.2).
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    introspection_endpoint_auth_methods_supported: CONFIDENTIAL_AUTH_METHODS,
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    code_challenge_methods_supported: ['S256'],
    // RFC 9449 §5.1: the token endpoint takes DPoP proofs signed with these.
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: features.clientIdMetadataDocuments,
    // OpenID discovery requires these; Gatehouse issues access tokens, not ID tokens.
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    service_documentation: at('/'),
  };
}

/** RFC 8414 §3.1: `/.well-known/oauth-authorization-server` is inserted before the issuer's path. */
export function metadataPaths(issuer: string): { authorizationServer: string[]; openid: string[]; protectedResource: string[] } {
  const path = new URL(issuer).pathname.replace(/\/$/, '');
  return {
    authorizationServer: path ? [`/.well-known/oauth-authorization-server${path}`, '/.well-known/oauth-authorization-server'] : ['/.well-known/oauth-authorization-server'],
    // OpenID Connect Discovery §4 appends to the issuer instead.
    openid: path ? [`${path}/.well-known/openid-configuration`, `/.well-known/openid-configuration${path}`, '/.well-known/openid-configuration'] : ['/.well-known/openid-configuration'],
    protectedResource: path ? [`/.well-known/oauth-protected-resource${path}`, '/.well-known/oauth-protected-resource'] : ['/.well-known/oauth-protected-resource'],
  };
}

/** RFC 9728 §2 for Gatehouse's own API (its admin and account endpoints accept Gatehouse tokens). */
export function protectedResourceMetadata(issuer: string, scopes: string[]) {
  return {
    resource: issuer,
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: scopes.filter((s) => s !== 'offline_access'),
    resource_name: 'Gatehouse',
  };
}

/**
 * Where a resource publishes its RFC 9728 document: the well-known segment is
 * inserted between the origin and the resource's path (RFC 9728 §3.1).
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/**
 * RFC 9728 §2 for a registered resource server, answered by Gatehouse for an
 * MCP server behind the edge (docs/deploy.md). `offline_access` is the
 * client's business with Gatehouse, never the resource's (RFC 9728 §2).
 */
export function registeredResourceMetadata(issuer: string, server: { url: string; name: string; scopes: string[] }, knownScopes: string[]) {
  const scopes = server.scopes.length > 0 ? server.scopes : knownScopes;
  return {
    resource: server.url,
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: scopes.filter((s) => s !== 'offline_access'),
    resource_name: server.name,
  };
}
