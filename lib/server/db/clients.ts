// OAuth clients (SPEC §3): the one mapping between Client rows and the
// protocol core's OAuthClient, used by the OAuth store and by admin use-cases.
import type { ClientSource, OAuthClient, TokenEndpointAuthMethod } from '../../oauth/ports.ts';
import type { Db } from './client.ts';
import { parseList, parseObject } from './columns.ts';

type Row = Awaited<ReturnType<Db['prisma']['client']['findUniqueOrThrow']>>;

export type NewClient = Omit<OAuthClient, 'createdAt' | 'disabled'> & { createdBy?: string | null };

export function toClient(row: Row): OAuthClient {
  return {
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    secretHash: row.secretHash,
    redirectUris: parseList(row.redirectUris, 'Client.redirectUris'),
    grantTypes: parseList(row.grantTypes, 'Client.grantTypes'),
    responseTypes: parseList(row.responseTypes, 'Client.responseTypes'),
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    scope: row.scope,
    logoUri: row.logoUri,
    clientUri: row.clientUri,
    applicationType: row.applicationType,
    metadata: parseObject(row.metadata, 'Client.metadata'),
    source: row.source as ClientSource,
    registrationAccessTokenHash: row.registrationAccessTokenHash,
    canIntrospect: row.canIntrospect,
    disabled: row.disabled,
    createdAt: row.createdAt,
  };
}

export async function insertClient(db: Db, input: NewClient): Promise<OAuthClient> {
  const row = await db.prisma.client.create({
    data: {
      ...input,
      createdBy: input.createdBy ?? null,
      redirectUris: JSON.stringify(input.redirectUris),
      grantTypes: JSON.stringify(input.grantTypes),
      responseTypes: JSON.stringify(input.responseTypes),
      metadata: JSON.stringify(input.metadata),
    },
  });
  return toClient(row);
}

export async function findClientByClientId(db: Db, clientId: string): Promise<OAuthClient | null> {
  const row = await db.prisma.client.findUnique({ where: { clientId } });
  return row && toClient(row);
}
