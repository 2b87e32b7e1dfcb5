// JWT access tokens (RFC 9068): `typ: at+jwt`, signed with the active key,
// `aud` the resource (RFC 8707) or the issuer, and a record per jti so
// introspection and revocation can answer before expiry.
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
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
  const token = await new SignJWT({
    client_id: input.clientId,
    scope: formatScope(input.scope),
    workspaces: input.reach.workspaces,
    tools: input.reach.tools,
  })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' })
    .setIssuer(ctx.issuer)
    .setSubject(input.subject)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(signer.key);
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
  };
  return { token, expiresIn: ctx.ttl.accessToken, record };
}

export type VerifiedAccessToken = JWTPayload & { jti: string; sub: string; client_id: string; scope?: string; workspaces?: string[]; tools?: string[] };

/** Verifies one of our own JWTs (signature, issuer, typ, expiry); null when it is not one. */
export async function verifyOwnAccessToken(ctx: OAuthContext, token: string, opts: { allowExpired?: boolean } = {}): Promise<VerifiedAccessToken | null> {
  if (token.split('.').length !== 3) return null;
  try {
    const jwks = createLocalJWKSet({ keys: await ctx.keys.getPublicKeys() });
    const { payload } = await jwtVerify(token, jwks, {
      issuer: ctx.issuer,
      typ: 'at+jwt',
      currentDate: opts.allowExpired ? new Date(0) : ctx.now(),
      requiredClaims: ['jti', 'sub', 'exp', 'client_id'],
    });
    return payload as VerifiedAccessToken;
  } catch {
    return null;
  }
}
