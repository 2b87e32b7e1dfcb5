// For the MCP TypeScript SDK (@modelcontextprotocol/sdk 1.x): an
// OAuthTokenVerifier for its `requireBearerAuth` middleware (Bearer only: it
// hands the verifier the token without the request, so a DPoP-bound token is
// refused there), an express middleware of our own that also takes DPoP-bound
// tokens with their proofs, and the mapping to the SDK's AuthInfo (which tool
// handlers receive as `extra.authInfo`) with Gatehouse's workspaces, tools and
// token kind in `extra`.
import { InsufficientScopeError as SdkInsufficientScopeError, InvalidTokenError as SdkInvalidTokenError, ServerError as SdkServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo as McpAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { CorsOptions } from '../cors.ts';
import { GatehouseAuthError, InsufficientScopeError } from '../errors.ts';
import { errorAnswer } from '../responses.ts';
import { header } from '../token-source.ts';
import type { AuthInfo, RequestLike, TokenKind } from '../types.ts';
import { requireScopes, type Verifier } from '../verify.ts';

export type GatehouseExtra = {
  sub: string;
  kind: TokenKind;
  workspaces: readonly string[];
  tools: readonly string[];
  audience: readonly string[];
  /** The full Gatehouse AuthInfo. */
  gatehouse: AuthInfo;
};

export type McpAdapterOptions = {
  /**
   * The SDK refuses AuthInfo without `expiresAt`. Team tokens (and personal
   * tokens without an expiry) have none; they get now + this many seconds — the
   * verification is redone on every request anyway. Default 60.
   */
  openEndedExpirySec?: number;
};

/** The SDK's AuthInfo for a verified Gatehouse token; `resource` is this resource. */
export function toMcpAuthInfo(auth: AuthInfo, resource: string, options: McpAdapterOptions = {}): McpAuthInfo {
  const extra: GatehouseExtra = { sub: auth.sub, kind: auth.kind, workspaces: auth.workspaces, tools: auth.tools, audience: auth.audience, gatehouse: auth };
  return {
    token: auth.token,
    // Personal and team tokens belong to no OAuth client.
    clientId: auth.clientId ?? '',
    scopes: [...auth.scopes],
    expiresAt: auth.expiresAt ?? Math.floor(Date.now() / 1000) + (options.openEndedExpirySec ?? 60),
    // The verifier accepted it for this resource (personal and team tokens are Gatehouse-wide).
    resource: new URL(resource),
    extra,
  };
}

/** The Gatehouse AuthInfo inside the SDK's `extra.authInfo`, or null (then refuse). */
export function gatehouseAuthOf(authInfo: McpAuthInfo | undefined | null): AuthInfo | null {
  const extra = authInfo?.extra as Partial<GatehouseExtra> | undefined;
  return extra?.gatehouse ?? null;
}

function toSdkError(error: unknown): Error {
  if (error instanceof InsufficientScopeError) return new SdkInsufficientScopeError(error.message);
  if (error instanceof GatehouseAuthError) {
    if (error.status === 401 || error.status === 400) return new SdkInvalidTokenError(error.message);
    return new SdkServerError(error.message);
  }
  return error instanceof Error ? error : new SdkServerError('token verification failed');
}

/** An OAuthTokenVerifier for `requireBearerAuth({ verifier, resourceMetadataUrl, expectedResource })`. */
export function gatehouseTokenVerifier(verifier: Verifier, options: McpAdapterOptions = {}): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token: string): Promise<McpAuthInfo> {
      try {
        return toMcpAuthInfo(await verifier.verifyToken(token), verifier.resource, options);
      } catch (error) {
        throw toSdkError(error);
      }
    },
  };
}

/** Everything `requireBearerAuth` needs, in one object. */
export function bearerAuthOptions(verifier: Verifier, options: McpAdapterOptions & { requiredScopes?: string[] } = {}) {
  return {
    verifier: gatehouseTokenVerifier(verifier, options),
    resourceMetadataUrl: verifier.resourceMetadataUrl,
    expectedResource: new URL(verifier.resource),
    ...(options.requiredScopes ? { requiredScopes: options.requiredScopes } : {}),
  };
}

/** The parts of express's request and response the middleware uses. */
export type ExpressLikeRequest = RequestLike & { auth?: McpAuthInfo };
export type ExpressLikeResponse = { status(code: number): ExpressLikeResponse; set(name: string, value: string): ExpressLikeResponse; json(body: unknown): unknown };

/**
 * Express middleware in place of `requireBearerAuth` that accepts Bearer and
 * DPoP-bound tokens (RFC 9449 §7): sets `req.auth` (the SDK's AuthInfo, which
 * the Streamable HTTP transport hands to tools) or answers the refusal with
 * both challenges. The proof's `htu` is checked against `req.originalUrl` on
 * the verifier's public URL.
 */
export function requireGatehouseAuth(verifier: Verifier, options: McpAdapterOptions & { requiredScopes?: readonly string[]; cors?: CorsOptions } = {}) {
  return async (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (error?: unknown) => void): Promise<void> => {
    try {
      const auth = await verifier.verifyRequest(req);
      if (options.requiredScopes?.length) requireScopes(auth, options.requiredScopes);
      req.auth = toMcpAuthInfo(auth, verifier.resource, options);
    } catch (error) {
      const answer = errorAnswer(error, { resourceMetadataUrl: verifier.resourceMetadataUrl, dpopAlgorithms: verifier.dpopAlgorithms, requestOrigin: header(req, 'origin'), cors: options.cors });
      for (const [name, value] of Object.entries(answer.headers)) res.set(name, value);
      res.status(answer.status).json(answer.body);
      return;
    }
    next();
  };
}
