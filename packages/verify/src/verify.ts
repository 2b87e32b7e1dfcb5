// One verifier for every Gatehouse token. JWT access tokens are checked offline
// (signature against the JWKS, issuer, `typ: at+jwt`, audience = this
// resource, expiry) and the result is cached until the token expires, so a
// repeated token costs a map lookup — as long as the key set it was verified
// against is current: a result from an older version of the set (a key
// retired, say) is dropped and the token verified again. Personal and team tokens — and JWTs too
// when the resource asks for live revocation — are checked by introspection,
// cached for the lifetime the resource chooses. A token bound to a client's
// key (RFC 9449 `cnf.jkt`) is accepted only with the DPoP scheme and a proof
// for this request, checked on every request (src/dpop.ts); a bearer token only
// with the Bearer scheme.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { checkDpopProof, createMemoryReplayCache, publicRequestUrl, ASYMMETRIC_ALGORITHMS, DEFAULT_DPOP_ALGORITHMS, type DpopReplayCache } from './dpop.ts';
import { GatehouseAuthError, InsufficientScopeError, InvalidTokenError, MissingTokenError, VerifierUnavailableError } from './errors.ts';
import { IntrospectionClient, type IntrospectionResponse } from './introspection-client.ts';
import { JwksCache } from './jwks-cache.ts';
import { ExpiringLru } from './lru.ts';
import { canonicalResource, protectedResourceMetadata, protectedResourceMetadataPaths, resourceMetadataUrl, type ProtectedResourceMetadata } from './metadata.ts';
import { extractToken } from './token-source.ts';
import type { AuthInfo, FetchLike, RequestLike, TokenKind } from './types.ts';
import { isUrl } from './parse-url.ts';

export type VerifierOptions = {
  /** Gatehouse's issuer, exactly as it appears in `iss` (e.g. `https://auth.example.com`). */
  issuer: string;
  /** This resource's canonical URL (e.g. `https://mcp.example.com/mcp`): the audience its tokens must carry. */
  resource: string;
  /** Needed for personal and team tokens and for live revocation. */
  introspection?: {
    clientId: string;
    clientSecret: string;
    /** How long an introspection answer is trusted; a revocation shows within this time. */
    cacheTtlMs: number;
    maxEntries?: number;
    /** Defaults to `introspection_endpoint` from Gatehouse's metadata. */
    endpoint?: string;
  };
  /** Also introspect JWT access tokens (cached like the others), so revocation shows before they expire. */
  liveRevocation?: boolean;
  /** Defaults to `jwks_uri` from Gatehouse's metadata. */
  jwksUri?: string;
  jwt?: {
    /** Verified JWTs kept (until each one's expiry). Default 10 000; 0 turns the cache off. */
    cacheMaxEntries?: number;
    algorithms?: readonly string[];
    clockToleranceSec?: number;
    /** Between two JWKS fetches caused by unknown kids. Default 30 s. */
    jwksCooldownMs?: number;
    /** The JWKS is re-read once it is this old, before it is trusted again. Default 60 s. */
    jwksMaxAgeMs?: number;
  };
  /** DPoP-bound tokens (RFC 9449): always accepted with their proof; these tune the check. */
  dpop?: {
    /** Proof algorithms accepted (asymmetric only). Default ES256, ES384, PS256, RS256, Ed25519, EdDSA. */
    algorithms?: readonly string[];
    /** How far a proof's `iat` may be from now, either way. Default 60 s. */
    maxAgeSec?: number;
    /** Where used proof identifiers are remembered. Default: this process (bounded); share one across instances. */
    replayCache?: DpopReplayCache;
    /**
     * The URL clients reach this server at, up to where the request's path
     * begins (scheme, host, port, and any prefix a proxy strips). Proofs' `htu`
     * is compared with this plus the request's path. Default: the origin of `resource`.
     */
    publicUrl?: string;
  };
  /** A cookie that may carry the token when there is no Authorization header. Off unless set. */
  cookieName?: string;
  /** Scopes to advertise in the resource metadata (the first request of a client asks for these). */
  scopes?: readonly string[];
  resourceName?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
};

export type VerifyOptions = {
  /** false: skip the verified-JWT cache and the introspection cache (benchmarks, sensitive operations). */
  cache?: boolean;
  /**
   * The token came with the DPoP scheme (RFC 9449 §7.1): its proof, the
   * request's method and the URL the client used. Absent: a Bearer presentation.
   */
  dpop?: { proof: string | null; method: string; url: string };
};

export type Verifier = {
  readonly issuer: string;
  /** The canonical resource URL (what clients send as `resource`, what goes in `aud`). */
  readonly resource: string;
  /** For `WWW-Authenticate: Bearer resource_metadata="…"`. */
  readonly resourceMetadataUrl: string;
  /** DPoP proof algorithms accepted, for `WWW-Authenticate: DPoP algs="…"` and the metadata. */
  readonly dpopAlgorithms: readonly string[];
  /** Base of the URL DPoP proofs are checked against (see `dpop.publicUrl`). */
  readonly publicUrl: string;
  /** Where the metadata is served: path-suffixed first, then the root. */
  readonly metadataPaths: readonly string[];
  readonly cookieName: string | undefined;
  verifyToken(token: string, options?: VerifyOptions): Promise<AuthInfo>;
  verifyRequest(request: RequestLike, options?: VerifyOptions): Promise<AuthInfo>;
  metadata(): ProtectedResourceMetadata;
  /** Internals, for metrics and tests. */
  readonly jwks: JwksCache;
  readonly introspection: IntrospectionClient | null;
};

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ORGANIZATION_KINDS = new Set(['personal_token', 'team_token']);

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const audiences = (value: unknown): string[] => (typeof value === 'string' ? [value] : stringList(value));
const scopeList = (value: unknown): string[] => (typeof value === 'string' ? value.split(' ').filter(Boolean) : []);

/** RFC 7800 `cnf`: absent (a bearer token) or exactly `{ jkt }` (RFC 9449 §6); any other binding cannot be checked here. */
function confirmationOf(cnf: unknown): { jkt: string } | null {
  if (cnf === undefined) return null;
  const keys = cnf && typeof cnf === 'object' && !Array.isArray(cnf) ? Object.keys(cnf) : null;
  const jkt = (cnf as { jkt?: unknown } | null)?.jkt;
  if (!keys || keys.length !== 1 || typeof jkt !== 'string' || jkt.length === 0) throw new InvalidTokenError('the token is bound to a key in a way this resource cannot check');
  return Object.freeze({ jkt });
}

function freeze(info: AuthInfo): AuthInfo {
  Object.freeze(info.scopes);
  Object.freeze(info.audience);
  Object.freeze(info.workspaces);
  Object.freeze(info.tools);
  return Object.freeze(info);
}

/** RFC 8414 §3.1: the well-known segment goes before the issuer's path. */
function metadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer;
  if (!isUrl(issuer)) throw new TypeError(`issuer must be an absolute URL: ${issuer}`);
  const resource = canonicalResource(options.resource);
  // A client that sends `resource` as a parsed URL's href adds "/" to a pathless resource.
  const acceptedAudiences = new Set([resource, new URL(resource).href]);
  if (options.liveRevocation && !options.introspection) throw new TypeError('liveRevocation needs introspection credentials');
  const now = options.now ?? Date.now;
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const dpopAlgorithms = Object.freeze([...(options.dpop?.algorithms ?? DEFAULT_DPOP_ALGORITHMS)]);
  const unsafe = dpopAlgorithms.find((alg) => !ASYMMETRIC_ALGORITHMS.includes(alg));
  if (unsafe || dpopAlgorithms.length === 0) throw new TypeError(`dpop.algorithms must be asymmetric JWS algorithms: ${unsafe ?? '(none)'}`);
  const dpopMaxAgeSec = options.dpop?.maxAgeSec ?? 60;
  if (!(dpopMaxAgeSec > 0)) throw new TypeError('dpop.maxAgeSec must be positive');
  const replayCache = options.dpop?.replayCache ?? createMemoryReplayCache({ now });
  const publicUrl = options.dpop?.publicUrl ?? new URL(resource).origin;
  if (!isUrl(publicUrl) || !/^https?:$/.test(new URL(publicUrl).protocol)) throw new TypeError(`dpop.publicUrl must be an absolute http(s) URL: ${publicUrl}`);

  // Gatehouse's metadata, fetched once when an endpoint is not configured.
  let discovered: Promise<Record<string, unknown>> | null = null;
  let discoveryFailedAt = Number.NEGATIVE_INFINITY;
  async function discover(): Promise<Record<string, unknown>> {
    if (!discovered) {
      if (now() - discoveryFailedAt < 1_000) throw new VerifierUnavailableError('Gatehouse metadata is unavailable; retrying shortly');
      discovered = (async () => {
        const res = await fetchFn(metadataUrl(issuer), { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const doc = (await res.json()) as Record<string, unknown>;
        // RFC 8414 §3.3: the document must name the issuer we were configured with.
        if (doc.issuer !== issuer) throw new Error(`metadata names issuer ${String(doc.issuer)}, expected ${issuer}`);
        return doc;
      })();
      discovered.catch(() => {
        discovered = null;
        discoveryFailedAt = now();
      });
    }
    try {
      return await discovered;
    } catch (error) {
      throw new VerifierUnavailableError(`Gatehouse metadata could not be fetched: ${(error as Error).message}`, { cause: error });
    }
  }
  async function endpointFromMetadata(field: string): Promise<string> {
    const value = (await discover())[field];
    if (typeof value !== 'string') throw new VerifierUnavailableError(`Gatehouse metadata has no ${field}`);
    return value;
  }

  const jwks = new JwksCache({
    jwksUri: options.jwksUri ?? (() => endpointFromMetadata('jwks_uri')),
    algorithms: options.jwt?.algorithms,
    cooldownMs: options.jwt?.jwksCooldownMs,
    maxAgeMs: options.jwt?.jwksMaxAgeMs,
    timeoutMs,
    fetch: fetchFn,
    now,
  });
  const introspection = options.introspection
    ? new IntrospectionClient({
        endpoint: options.introspection.endpoint ?? (() => endpointFromMetadata('introspection_endpoint')),
        clientId: options.introspection.clientId,
        clientSecret: options.introspection.clientSecret,
        cacheTtlMs: options.introspection.cacheTtlMs,
        maxEntries: options.introspection.maxEntries,
        timeoutMs,
        fetch: fetchFn,
        now,
      })
    : null;
  const jwtCache = new ExpiringLru<string, { info: AuthInfo; keySet: number }>(options.jwt?.cacheMaxEntries ?? 10_000);
  const algorithms = [...(options.jwt?.algorithms ?? ['ES256'])];
  const clockTolerance = options.jwt?.clockToleranceSec ?? 0;

  /** A verified JWT from the cache, if it was verified against the current key set (re-read first when due). */
  async function cachedJwt(token: string, t: number): Promise<AuthInfo | undefined> {
    const hit = jwtCache.get(token, t - clockTolerance * 1000);
    if (!hit) return undefined;
    if (jwks.isStale(t)) await jwks.refreshIfStale();
    if (hit.keySet === jwks.version) return hit.info;
    jwtCache.delete(token);
    return undefined;
  }

  async function verifyJwt(token: string, cache: boolean): Promise<AuthInfo> {
    const t = now();
    if (cache) {
      const hit = await cachedJwt(token, t);
      if (hit) return hit;
    }
    let payload: JWTPayload;
    let keySet = -1;
    const getKey = async (header: Parameters<JwksCache['getKey']>[0]) => {
      const found = await jwks.resolveKey(header);
      keySet = found.version;
      return found.key;
    };
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer,
        typ: 'at+jwt',
        algorithms,
        clockTolerance,
        currentDate: new Date(t),
        requiredClaims: ['sub', 'exp', 'jti', 'client_id'],
      }));
    } catch (error) {
      if (error instanceof GatehouseAuthError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('the token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidTokenError(`the token's ${error.claim} claim is not acceptable`);
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError('the token is not a valid Gatehouse access token');
      throw error;
    }
    const aud = audiences(payload.aud);
    if (!aud.some((a) => acceptedAudiences.has(a))) throw new InvalidTokenError('the token was not issued for this resource');
    const info = freeze({
      token,
      verifiedBy: 'jwt',
      kind: 'access_token',
      issuer,
      sub: payload.sub!,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
      scopes: scopeList(payload.scope),
      audience: aud,
      expiresAt: payload.exp!,
      workspaces: stringList(payload.workspaces),
      tools: stringList(payload.tools),
      jti: payload.jti ?? null,
      confirmation: confirmationOf(payload.cnf),
    });
    if (cache) jwtCache.set(token, { info, keySet }, payload.exp! * 1000, t);
    return info;
  }

  function fromIntrospection(token: string, answer: IntrospectionResponse, jwt: AuthInfo | null): AuthInfo {
    if (!answer.active) throw new InvalidTokenError('the token is not active (revoked, expired or unknown)');
    if (answer.iss !== undefined && answer.iss !== issuer) throw new InvalidTokenError('the token was issued by another authorization server');
    const kind = answer.token_kind ?? (jwt ? 'access_token' : undefined);
    if (kind !== 'access_token' && !ORGANIZATION_KINDS.has(kind ?? '')) throw new InvalidTokenError('this kind of token is not accepted here');
    const tokenType = typeof answer.token_type === 'string' ? answer.token_type.toLowerCase() : undefined;
    if (answer.token_type !== undefined && tokenType !== 'bearer' && tokenType !== 'dpop') throw new InvalidTokenError('this kind of token is not accepted here');
    const confirmation = confirmationOf(answer.cnf);
    if (tokenType === 'dpop' && !confirmation) throw new InvalidTokenError('the token is said to be DPoP-bound but names no key');
    const aud = audiences(answer.aud);
    // Access tokens are bound to a resource; personal and team tokens are Gatehouse-wide (their aud is the issuer).
    const audienceOk = kind === 'access_token' ? aud.some((a) => acceptedAudiences.has(a)) : aud.length === 0 || aud.some((a) => a === issuer || acceptedAudiences.has(a));
    if (!audienceOk) throw new InvalidTokenError('the token was not issued for this resource');
    const exp = typeof answer.exp === 'number' ? answer.exp : null;
    if (exp !== null && exp * 1000 <= now()) throw new InvalidTokenError('the token has expired');
    if (jwt && ((answer.jti !== undefined && answer.jti !== jwt.jti) || (answer.sub !== undefined && answer.sub !== jwt.sub) || confirmation?.jkt !== jwt.confirmation?.jkt)) {
      throw new InvalidTokenError('introspection does not agree with the token');
    }
    if (typeof answer.sub !== 'string' && !jwt) throw new InvalidTokenError('introspection named no subject');
    return freeze({
      token,
      verifiedBy: 'introspection',
      kind: kind as TokenKind,
      issuer,
      sub: typeof answer.sub === 'string' ? answer.sub : jwt!.sub,
      clientId: typeof answer.client_id === 'string' ? answer.client_id : (jwt?.clientId ?? null),
      scopes: answer.scope !== undefined ? scopeList(answer.scope) : [...(jwt?.scopes ?? [])],
      audience: aud.length ? aud : [...(jwt?.audience ?? [])],
      expiresAt: exp ?? jwt?.expiresAt ?? null,
      // Introspection resolves reach now, so it wins over what the JWT carried at issue.
      workspaces: answer.workspaces !== undefined ? stringList(answer.workspaces) : [...(jwt?.workspaces ?? [])],
      tools: answer.tools !== undefined ? stringList(answer.tools) : [...(jwt?.tools ?? [])],
      jti: typeof answer.jti === 'string' ? answer.jti : (jwt?.jti ?? null),
      confirmation,
    });
  }

  /**
   * RFC 9449 §7.1, §7.2: a key-bound token only with the DPoP scheme and a
   * valid proof — never as a bearer token; an unbound token only as Bearer.
   */
  async function checkPresentation(info: AuthInfo, dpop: VerifyOptions['dpop']): Promise<AuthInfo> {
    const jkt = info.confirmation?.jkt;
    if (!dpop) {
      if (jkt) throw new InvalidTokenError('the token is bound to a key: present it with the DPoP scheme and a proof');
      return info;
    }
    if (!jkt) throw new InvalidTokenError('the token is not bound to a key: present it with the Bearer scheme', { scheme: 'DPoP' });
    await checkDpopProof({ ...dpop, token: info.token, jkt, algorithms: dpopAlgorithms, maxAgeSec: dpopMaxAgeSec, replay: replayCache, now: now() });
    return info;
  }

  async function verifyToken(token: string, opts: VerifyOptions = {}): Promise<AuthInfo> {
    try {
      return await checkPresentation(await verifyTokenItself(token, opts.cache !== false), opts.dpop);
    } catch (error) {
      // A refusal of a DPoP request is answered in the DPoP challenge.
      if (opts.dpop && error instanceof GatehouseAuthError && (error.status === 401 || error.status === 400)) error.scheme = 'DPoP';
      throw error;
    }
  }

  async function verifyTokenItself(token: string, cache: boolean): Promise<AuthInfo> {
    if (typeof token !== 'string' || token.length === 0) throw new MissingTokenError();
    // Hot path: a JWT seen before is answered from the cache before any parsing.
    if (cache && !options.liveRevocation) {
      const hit = await cachedJwt(token, now());
      if (hit) return hit;
    }
    if (JWT_SHAPE.test(token)) {
      const jwt = await verifyJwt(token, cache);
      if (!options.liveRevocation || !introspection) return jwt;
      return fromIntrospection(token, await introspection.introspect(token, { cache }), jwt);
    }
    if (!introspection) throw new InvalidTokenError('this resource accepts Gatehouse access tokens only');
    return fromIntrospection(token, await introspection.introspect(token, { cache }), null);
  }

  async function verifyRequest(request: RequestLike, opts: VerifyOptions = {}): Promise<AuthInfo> {
    const found = extractToken(request, { cookieName: options.cookieName });
    if (!found) throw new MissingTokenError();
    if (found.scheme === 'Bearer') return verifyToken(found.token, { ...opts, dpop: undefined });
    const path = request.originalUrl ?? request.url;
    if (!request.method || !path) throw new TypeError('verifyRequest needs the request method and URL to check a DPoP proof');
    return verifyToken(found.token, { ...opts, dpop: { proof: found.proof, method: request.method, url: publicRequestUrl(publicUrl, path) } });
  }

  return {
    issuer,
    resource,
    resourceMetadataUrl: resourceMetadataUrl(resource),
    dpopAlgorithms,
    publicUrl,
    metadataPaths: protectedResourceMetadataPaths(resource),
    cookieName: options.cookieName,
    verifyToken,
    verifyRequest,
    metadata: () => protectedResourceMetadata({ resource, issuer, scopes: options.scopes, resourceName: options.resourceName, dpopAlgorithms }),
    jwks,
    introspection,
  };
}

/** Throws 403 insufficient_scope (naming all of `required`) unless the token has every one. */
export function requireScopes(auth: AuthInfo, required: readonly string[]): void {
  if (required.every((s) => auth.scopes.includes(s))) return;
  throw new InsufficientScopeError(required, undefined, { scheme: auth.confirmation ? 'DPoP' : 'Bearer' });
}
