// OAuth clients (SPEC §3). Lists are JSON text in the row, arrays here.
import type { Db } from './client.ts';

export type ClientSource = 'admin' | 'dynamic' | 'metadata_document';
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export type ClientRecord = {
  id: string;
  clientId: string;
  name: string;
  secretHash: string | null;
  redirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  scope: string;
  logoUri: string | null;
  clientUri: string | null;
  applicationType: string;
  metadata: Record<string, unknown>;
  source: ClientSource;
  registrationAccessTokenHash: string | null;
  canIntrospect: boolean;
  disabled: boolean;
  createdBy: string | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

type Row = Awaited<ReturnType<Db['prisma']['client']['findUniqueOrThrow']>>;

function toClient(row: Row): ClientRecord {
  return {
    ...row,
    redirectUris: JSON.parse(row.redirectUris) as string[],
    grantTypes: JSON.parse(row.grantTypes) as string[],
    responseTypes: JSON.parse(row.responseTypes) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    source: row.source as ClientSource,
  };
}

export type NewClient = Omit<ClientRecord, 'disabled' | 'lastUsedAt' | 'createdAt' | 'updatedAt'>;

export async function insertClient(db: Db, input: NewClient): Promise<ClientRecord> {
  const row = await db.prisma.client.create({
    data: {
      ...input,
      redirectUris: JSON.stringify(input.redirectUris),
      grantTypes: JSON.stringify(input.grantTypes),
      responseTypes: JSON.stringify(input.responseTypes),
      metadata: JSON.stringify(input.metadata),
    },
  });
  return toClient(row);
}

export async function findClientByClientId(db: Db, clientId: string): Promise<ClientRecord | null> {
  const row = await db.prisma.client.findUnique({ where: { clientId } });
  return row && toClient(row);
}
