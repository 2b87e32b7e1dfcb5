// Creating a client as an operator (CLI and admin console). The secret is
// returned once and stored only as a hash; the row and its audit event are
// written in one transaction. A key-based client (private_key_jwt, RFC 7523
// §2.2) is given its public keys — a pasted JWK Set or a jwks_uri — and never
// has a secret.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashToken, randomToken } from '../../crypto.ts';
import type { Db } from '../db/client.ts';
import type { AuditActor } from '../db/audit.ts';
import type { OAuthClient } from '../../oauth/ports.ts';
import { insertClient } from '../db/clients.ts';
import { listScopeNames } from '../db/scope-names.ts';
import { ONE_KEY_SOURCE, ZJwksText, ZJwksUri } from './client-keys.ts';
import { checkClientSettings, defaultGrants, normalizeScope, withDpopBound, ZClientName, ZGrantTypes, ZRedirectUris } from './client-settings.ts';

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
      /** Require DPoP proofs and issue only key-bound tokens (RFC 9449 §5.2). */
      dpopBound: z.boolean().default(false),
      /** A JWK Set of public keys, as JSON text: makes the client key-based. */
      jwks: ZJwksText.optional(),
      /** Where the client publishes its JWK Set: makes the client key-based. */
      jwksUri: ZJwksUri.optional(),
    })
    .transform((input) => ({ ...input, confidential: input.confidential || input.jwks !== undefined || input.jwksUri !== undefined }))
    .superRefine((input, ctx) => {
      if (input.jwks && input.jwksUri) ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: ONE_KEY_SOURCE });
      checkClientSettings(input, ctx, knownScopes);
    });
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
  const keyBased = input.jwks !== undefined || input.jwksUri !== undefined;
  const secret = input.confidential && !keyBased ? newClientSecret() : null;
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
      tokenEndpointAuthMethod: keyBased ? 'private_key_jwt' : input.confidential ? 'client_secret_basic' : 'none',
      jwks: input.jwks ?? null,
      jwksUri: input.jwksUri ?? null,
      scope: input.scope,
      logoUri: null,
      clientUri: null,
      applicationType: 'web',
      metadata: withDpopBound({}, input.dpopBound),
      source: 'admin',
      registrationAccessTokenHash: null,
      canIntrospect: input.canIntrospect,
      createdBy: 'id' in actor ? actor.id : (actor.label ?? 'system'),
    },
    {
      actor,
      action: 'client.created',
      target: { type: 'client', id: clientId },
      details: { name: input.name, confidential: input.confidential, keyBased, jwksUri: input.jwksUri, grantTypes, scope: input.scope, canIntrospect: input.canIntrospect, dpopBound: input.dpopBound },
    },
  );
  return { client, clientSecret: secret?.secret ?? null };
}
