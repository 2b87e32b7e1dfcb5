// Creating a client as an operator (CLI and admin console). The secret is
// returned once and stored only as a hash; the row and its audit event are
// written in one transaction.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashToken, randomToken } from '../../crypto.ts';
import type { Db } from '../db/client.ts';
import type { AuditActor } from '../db/audit.ts';
import type { OAuthClient } from '../../oauth/ports.ts';
import { insertClient } from '../db/clients.ts';
import { listScopeNames } from '../db/scope-names.ts';
import { checkClientSettings, defaultGrants, normalizeScope, ZClientName, ZGrantTypes, ZRedirectUris } from './client-settings.ts';

export const CLIENT_ID_PREFIX = 'ghc_';
export const CLIENT_SECRET_PREFIX = 'gh_cs_';

/** The create schema; with `knownScopes` it also refuses scopes missing from the scope table. */
export function createClientSchema(knownScopes: ReadonlySet<string> | null = null) {
  return z
    .object({
      name: ZClientName,
      redirectUris: ZRedirectUris.default([]),
      confidential: z.boolean().default(false),
      grantTypes: ZGrantTypes.default([]),
      scope: z.string().trim().max(2000).default('').transform(normalizeScope),
      canIntrospect: z.boolean().default(false),
    })
    .superRefine((input, ctx) => checkClientSettings(input, ctx, knownScopes));
}

export const ZCreateClientSchema = createClientSchema();

export type TCreateClientInput = z.input<typeof ZCreateClientSchema>;

export type CreatedClient = { client: OAuthClient; clientSecret: string | null };

export function newClientSecret(): { secret: string; hash: string } {
  const secret = randomToken(CLIENT_SECRET_PREFIX);
  return { secret, hash: hashToken(secret) };
}

/** Throws a ZodError (field paths as in the input) when the input breaks a rule. */
export async function createClient(db: Db, raw: TCreateClientInput, actor: AuditActor): Promise<CreatedClient> {
  const input = createClientSchema(new Set(await listScopeNames(db))).parse(raw);
  const secret = input.confidential ? newClientSecret() : null;
  const grantTypes = input.grantTypes.length ? [...new Set(input.grantTypes)] : defaultGrants(input);
  const clientId = randomToken(CLIENT_ID_PREFIX).slice(0, CLIENT_ID_PREFIX.length + 22);
  const client = await insertClient(
    db,
    {
      id: randomUUID(),
      clientId,
      name: input.name,
      secretHash: secret?.hash ?? null,
      redirectUris: [...new Set(input.redirectUris)],
      grantTypes,
      responseTypes: grantTypes.includes('authorization_code') ? ['code'] : [],
      tokenEndpointAuthMethod: input.confidential ? 'client_secret_basic' : 'none',
      scope: input.scope,
      logoUri: null,
      clientUri: null,
      applicationType: 'web',
      metadata: {},
      source: 'admin',
      registrationAccessTokenHash: null,
      canIntrospect: input.canIntrospect,
      createdBy: 'id' in actor ? actor.id : (actor.label ?? 'system'),
    },
    {
      actor,
      action: 'client.created',
      target: { type: 'client', id: clientId },
      details: { name: input.name, confidential: input.confidential, grantTypes, scope: input.scope, canIntrospect: input.canIntrospect },
    },
  );
  return { client, clientSecret: secret?.secret ?? null };
}
