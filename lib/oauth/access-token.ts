// JWT access tokens (RFC 9068): `typ: at+jwt`, signed with the active key,
// `aud` the resource (RFC 8707) or the issuer, and a record per jti so
// introspection and revocation can answer before expiry.
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { signJwt } from './jwt-signing.ts';
import type { OAuthContext } from './context.ts';
import type { AccessTokenRecord, NewAccessToken, Reach } from './ports.ts';
import { formatScope } from './scope.ts';

export type MintAccessToken = {
  kind: AccessTokenRecord['kind'];
  subject: string;
  clientId: string;
  clientInternalId: string;
  userId: string | null;
  grantId: string | null;
  familyId: string | null;
  scope: string[];
  resource: string | null;
  reach: Reach;
  /** The DPoP key the token is bound to (RFC 9449 §6: `cnf.jkt`); null for a bearer token. */
  jkt: string | null;
};

export type SignedAccessToken = { token: string; expiresIn: number; record: NewAccessToken };

/** Signs a token; the caller stores `record` (atomically with whatever it consumed). */
export async function signAccessToken(ctx: OAuthContext, input: MintAccessToken): Promise<SignedAccessToken> {
  const signer = await ctx.keys.getSigner();
  const now = ctx.now();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ctx.ttl.accessToken;
  const jti = randomUUID();
  const audience = input.resource ?? ctx.issuer;
  const token = await signJwt(
    { alg: signer.alg, kid: signer.kid, typ: 'at+jwt' },
    {
      iss: ctx.issuer,
      sub: input.subject,
      aud: audience,
      iat,
      exp,
      jti,
      client_id: input.clientId,
      scope: formatScope(input.scope),
      workspaces: input.reach.workspaces,
      tools: input.reach.tools,
      ...(input.jkt ? { cnf: { jkt: input.jkt } } : {}),
    },
    signer.key,
  );
  const record: NewAccessToken = {
    jti,
    kind: input.kind,
    grantId: input.grantId,
    familyId: input.familyId,
    clientId: input.clientInternalId,
    userId: input.userId,
    kid: signer.kid,
    scope: input.scope,
    audience,
    expiresAt: new Date(exp * 1000),
    jkt: input.jkt,
  };
  return { token, expiresIn: ctx.ttl.accessToken, record };
}

export type VerifiedAccessToken = JWTPayload & { jti: string; sub: string; client_id: string; scope?: string; workspaces?: string[]; tools?: string[]; cnf?: { jkt?: string } };

/**
 * Verified tokens, per context: a token's signature and claims never change, so
 * a resource server introspecting the same token on every tool call pays for
 * the signature check once. Expiry is checked on every use, and a change in the
 * published keys empties the cache; revocation is the caller's lookup.
 */
const VERIFIED_CACHE_SIZE = 10_000;
type Verification = { jwks: ReturnType<typeof createLocalJWKSet>; keys: JWK[]; verified: Map<string, VerifiedAccessToken> };
const verifications = new WeakMap<OAuthContext, Verification>();

function verificationFor(ctx: OAuthContext, keys: JWK[]): Verification {
  let v = verifications.get(ctx);
  // The key provider hands out the same list until the keys change; a change
  // (a key retired) starts afresh, so nothing verified under a retired key survives it.
  if (!v || v.keys !== keys) {
    v = { jwks: createLocalJWKSet({ keys }), keys, verified: new Map() };
    verifications.set(ctx, v);
  }
  return v;
}

/** Verifies one of our own JWTs (signature, issuer, typ, expiry); null when it is not one. */
export async function verifyOwnAccessToken(ctx: OAuthContext, token: string, opts: { allowExpired?: boolean } = {}): Promise<VerifiedAccessToken | null> {
  if (token.split('.').length !== 3) return null;
  const v = verificationFor(ctx, await ctx.keys.getPublicKeys());
  let payload = v.verified.get(token);
  if (!payload) {
    try {
      // Expiry is checked below, so a verified token can be remembered past "now".
      const result = await jwtVerify(token, v.jwks, { issuer: ctx.issuer, typ: 'at+jwt', currentDate: new Date(0), requiredClaims: ['jti', 'sub', 'exp', 'client_id'] });
      payload = result.payload as VerifiedAccessToken;
    } catch {
      return null;
    }
    if (v.verified.size >= VERIFIED_CACHE_SIZE) v.verified.delete(v.verified.keys().next().value!);
    v.verified.set(token, payload);
  }
  if (!opts.allowExpired && (payload.exp ?? 0) <= Math.floor(ctx.now().getTime() / 1000)) return null;
  return payload;
}
