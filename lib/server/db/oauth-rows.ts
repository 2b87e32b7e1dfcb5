// Rows ↔ the protocol core's objects, for the OAuth store's two implementations
// (Prisma, and the prepared statements of the SQLite hot paths). Lists are JSON
// text in the row and arrays here; scopes are space-separated strings in the row.
import type { AccessTokenRecord, AuthorizationCode, Grant, NewAccessToken, NewRefreshToken, OAuthClient, PersonalTokenRecord, RefreshToken, SecurityEvent, TeamTokenRecord } from '../../oauth/ports.ts';
import { auditEventData, type AuditActor } from './audit.ts';
import { joinScope, parseList, splitScope } from './columns.ts';
import type { Db } from './client.ts';

type Prisma = Db['prisma'];
export type ClientRow = Awaited<ReturnType<Prisma['client']['findUniqueOrThrow']>>;
export type GrantRow = Awaited<ReturnType<Prisma['grant']['findUniqueOrThrow']>>;
export type CodeRow = Awaited<ReturnType<Prisma['authorizationCode']['findUniqueOrThrow']>>;
export type RefreshRow = Awaited<ReturnType<Prisma['refreshToken']['findUniqueOrThrow']>>;
export type AccessRow = Awaited<ReturnType<Prisma['accessToken']['findUniqueOrThrow']>>;
export type PersonalTokenRow = Awaited<ReturnType<Prisma['personalToken']['findUniqueOrThrow']>>;
export type TeamRow = Awaited<ReturnType<Prisma['team']['findUniqueOrThrow']>>;
type ClientUpdate = Parameters<Prisma['client']['update']>[0]['data'];

export function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    userId: row.userId,
    clientId: row.clientId,
    scope: splitScope(row.scope),
    resource: row.resource,
    workspaceKeys: parseList(row.workspaceKeys, 'Grant.workspaceKeys'),
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}

export function toCode(row: CodeRow): AuthorizationCode {
  return {
    id: row.id,
    grantId: row.grantId,
    redirectUri: row.redirectUri,
    codeChallenge: row.codeChallenge,
    dpopJkt: row.dpopJkt,
    scope: splitScope(row.scope),
    resource: row.resource,
    expiresAt: row.expiresAt,
    redeemedAt: row.redeemedAt,
  };
}

export function toRefresh(row: RefreshRow): RefreshToken {
  return {
    id: row.id,
    grantId: row.grantId,
    familyId: row.familyId,
    parentId: row.parentId,
    scope: splitScope(row.scope),
    resource: row.resource,
    expiresAt: row.expiresAt,
    rotatedAt: row.rotatedAt,
    revokedAt: row.revokedAt,
    retryCipher: row.retryCipher,
    jkt: row.jkt,
  };
}

export function toAccess(row: AccessRow): AccessTokenRecord {
  return {
    jti: row.jti,
    kind: row.kind as AccessTokenRecord['kind'],
    grantId: row.grantId,
    familyId: row.familyId,
    clientId: row.clientId,
    userId: row.userId,
    kid: row.kid,
    scope: splitScope(row.scope),
    audience: row.audience,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    jkt: row.jkt,
  };
}

/** The columns of a (partial) client, lists serialised; keys absent from `c` stay absent. */
export function clientColumns(c: Partial<Omit<OAuthClient, 'id' | 'clientId' | 'createdAt'>>): ClientUpdate {
  const data: Record<string, unknown> = {};
  const plain = [
    'name',
    'secretHash',
    'tokenEndpointAuthMethod',
    'scope',
    'logoUri',
    'clientUri',
    'applicationType',
    'source',
    'registrationAccessTokenHash',
    'canIntrospect',
    'disabled',
    'approvedAt',
    'jwksUri',
  ] as const;
  for (const key of plain) if (c[key] !== undefined) data[key] = c[key];
  if (c.redirectUris !== undefined) data.redirectUris = JSON.stringify(c.redirectUris);
  if (c.grantTypes !== undefined) data.grantTypes = JSON.stringify(c.grantTypes);
  if (c.responseTypes !== undefined) data.responseTypes = JSON.stringify(c.responseTypes);
  if (c.metadata !== undefined) data.metadata = JSON.stringify(c.metadata);
  if (c.jwks !== undefined) data.jwks = c.jwks === null ? null : JSON.stringify(c.jwks);
  return data as ClientUpdate;
}

export function refreshColumns(token: NewRefreshToken) {
  return {
    id: token.id,
    tokenHash: token.tokenHash,
    grantId: token.grantId,
    familyId: token.familyId,
    parentId: token.parentId,
    scope: joinScope(token.scope),
    resource: token.resource,
    expiresAt: token.expiresAt,
    jkt: token.jkt,
  };
}

export function accessColumns(token: NewAccessToken) {
  return {
    jti: token.jti,
    kind: token.kind,
    grantId: token.grantId,
    familyId: token.familyId,
    clientId: token.clientId,
    userId: token.userId,
    kid: token.kid,
    scope: joinScope(token.scope),
    audience: token.audience,
    expiresAt: token.expiresAt,
    jkt: token.jkt,
  };
}


export function toPersonalToken(row: PersonalTokenRow): PersonalTokenRecord {
  return {
    id: row.id,
    name: row.name,
    userId: row.userId,
    workspaceKeys: parseList(row.workspaceKeys, 'PersonalToken.workspaceKeys'),
    tools: parseList(row.tools, 'PersonalToken.tools'),
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

/** A team's token; null for a hash without a jti (a half-written rotation: no valid token). */
export function toTeamToken(row: TeamRow, ownerDisabled: boolean): TeamTokenRecord | null {
  if (row.activeJti === null) return null;
  return {
    teamId: row.id,
    name: row.name,
    ownerId: row.ownerId,
    activeJti: row.activeJti,
    active: row.active,
    ownerDisabled,
    tools: row.tools === null ? null : parseList(row.tools, 'Team.tools'),
    tokenIssuedAt: row.tokenIssuedAt,
  };
}

function actorOf(event: SecurityEvent): AuditActor {
  if (event.clientId) return { type: 'client', id: event.clientId };
  if (event.userId) return { type: 'user', id: event.userId };
  return { type: 'system' };
}

/** The audit row a protocol security event becomes. */
export function securityEventAuditData(event: SecurityEvent, at = new Date()) {
  return auditEventData(
    {
      actor: actorOf(event),
      action: event.action,
      target: event.targetType && event.targetId ? { type: event.targetType, id: event.targetId } : undefined,
      ip: event.ip ?? null,
      userAgent: event.userAgent ?? null,
      details: event.details ?? {},
    },
    at,
  );
}
