// @gatehouse/verify: protect an MCP server (or any HTTP resource) with Gatehouse.
export type { AuthInfo, TokenKind, RequestLike, FetchLike } from './types.ts';
export {
  GatehouseAuthError,
  MissingTokenError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  ToolForbiddenError,
  VerifierUnavailableError,
  InvalidDpopProofError,
  type BearerErrorCode,
  type AuthScheme,
} from './errors.ts';
export { createMemoryReplayCache, accessTokenHash, DEFAULT_DPOP_ALGORITHMS, type DpopReplayCache } from './dpop.ts';
export { createVerifier, requireScopes, type Verifier, type VerifierOptions, type VerifyOptions } from './verify.ts';
export { extractToken, type ExtractedToken, type TokenSourceOptions } from './token-source.ts';
export { JwksCache, type JwksCacheOptions } from './jwks-cache.ts';
export { IntrospectionClient, type IntrospectionClientOptions, type IntrospectionResponse } from './introspection-client.ts';
export {
  canonicalResource,
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  protectedResourceMetadataResponse,
  isProtectedResourceMetadataPath,
  resourceMetadataUrl,
  metadataHeaders,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
} from './metadata.ts';
export { wwwAuthenticate, errorAnswer, errorResponse, unauthorizedResponse, insufficientScopeResponse, sendError, type ChallengeOptions, type ChallengeParams, type ErrorAnswer } from './responses.ts';
export { corsHeaders, preflightHeaders, preflightResponse, CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, type CorsOptions } from './cors.ts';
export { assertToolAllowed, checkToolAccess, isToolAllowed, type ToolDecision } from './tool-guard.ts';
export { withGatehouseAuth, type AuthenticatedHandler, type FetchAdapterOptions } from './adapters/fetch.ts';
export { authenticateNode, handleMetadataAndPreflight } from './adapters/node.ts';
