// Creating a client as an operator (CLI and admin console). The secret is
// returned once and stored only as a hash.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashToken, randomToken } from '../../crypto.ts';
import { redirectUriProblem } from '../../oauth/redirect-uri.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type AuditActor } from '../db/audit.ts';
import type { OAuthClient } from '../../oauth/ports.ts';
import { insertClient } from '../db/clients.ts';

export const CLIENT_ID_PREFIX = 'ghc_';
export const CLIENT_SECRET_PREFIX = 'gh_cs_';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

export const ZCreateClientSchema = z
  .object({
    name: z.string().trim().min(1, 'a name is required').max(200),
    redirectUris: z.array(z.string()).default([]),
    confidential: z.boolean().default(false),
    grantTypes: z.array(z.enum(GRANT_TYPES, { message: `grant must be one of ${GRANT_TYPES.join(', ')}` })).default([]),
    scope: z.string().trim().default(''),
    canIntrospect: z.boolean().default(false),
  })
  .superRefine((input, ctx) => {
    input.redirectUris.forEach((uri, i) => {
      const problem = redirectUriProblem(uri);
      if (problem) ctx.addIssue({ code: 'custom', path: ['redirectUris', i], message: `redirect URI ${uri} ${problem}` });
    });
    const grants = input.grantTypes.length ? input.grantTypes : defaultGrants(input);
    if (grants.includes('authorization_code') && input.redirectUris.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'the authorization_code grant needs at least one redirect URI' });
    }
    if ((grants.includes('client_credentials') || input.canIntrospect) && !input.confidential) {
      ctx.addIssue({ code: 'custom', path: ['confidential'], message: 'client_credentials and introspection need a confidential client' });
    }
  });

export type TCreateClientInput = z.input<typeof ZCreateClientSchema>;

function defaultGrants(input: { redirectUris: string[]; confidential: boolean; canIntrospect: boolean }): string[] {
  if (input.redirectUris.length > 0) return ['authorization_code', 'refresh_token'];
  return input.confidential ? ['client_credentials'] : ['authorization_code', 'refresh_token'];
}

export type CreatedClient = { client: OAuthClient; clientSecret: string | null };

export async function createClient(db: Db, raw: TCreateClientInput, actor: AuditActor): Promise<CreatedClient> {
  const input = ZCreateClientSchema.parse(raw);
  const clientSecret = input.confidential ? randomToken(CLIENT_SECRET_PREFIX) : null;
  const grantTypes = input.grantTypes.length ? [...new Set(input.grantTypes)] : defaultGrants(input);
  const client = await insertClient(db, {
    id: randomUUID(),
    clientId: randomToken(CLIENT_ID_PREFIX).slice(0, CLIENT_ID_PREFIX.length + 22),
    name: input.name,
    secretHash: clientSecret ? hashToken(clientSecret) : null,
    redirectUris: input.redirectUris,
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
  });
  await recordAudit(db, {
    actor,
    action: 'client.created',
    target: { type: 'client', id: client.clientId },
    details: { name: client.name, confidential: input.confidential, grantTypes, canIntrospect: input.canIntrospect },
  });
  return { client, clientSecret };
}
