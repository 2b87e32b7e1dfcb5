// An operator's edit of a client: name, redirect URIs, grant types, scopes,
// may-introspect, DPoP-bound tokens — checked as on creation. A client is public or confidential
// for life (changing that would mean issuing or dropping a secret), and a
// metadata-document client is described by its document: Gatehouse refreshes
// those fields from it, so an edit here would not last. A self-registered client
// never gets client_credentials.
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import type { AuditActor } from '../db/audit.ts';
import { findClientRowById, updateClientSettings } from '../db/clients.ts';
import { listScopeNames } from '../db/scope-names.ts';
import { checkClientSettings, fieldErrorsOf, normalizeScope, ZClientName, ZGrantTypes, withDpopBound, ZRedirectUris } from './client-settings.ts';

export const ZUpdateClientSchema = z.object({
  name: ZClientName,
  redirectUris: ZRedirectUris,
  grantTypes: ZGrantTypes.min(1, 'choose at least one grant type'),
  scope: z.string().trim().max(2000).transform(normalizeScope),
  canIntrospect: z.boolean(),
  /** RFC 9449 §5.2; left out, it stays as it was. */
  dpopBound: z.boolean().optional(),
});

export type TUpdateClientInput = z.input<typeof ZUpdateClientSchema>;

export type UpdateClientResult = { ok: true } | { ok: false; message: string; fieldErrors?: Record<string, string> };

export async function updateClient(db: Db, id: string, raw: TUpdateClientInput, actor: AuditActor): Promise<UpdateClientResult> {
  const client = await findClientRowById(db, id);
  if (!client) return { ok: false, message: 'That client no longer exists.' };
  if (client.source === 'metadata_document') return { ok: false, message: 'This client is described by its metadata document; change the document instead.' };
  const knownScopes = new Set(await listScopeNames(db));
  const confidential = client.tokenEndpointAuthMethod !== 'none';
  const parsed = ZUpdateClientSchema.superRefine((input, ctx) => {
    checkClientSettings({ ...input, confidential }, ctx, knownScopes);
    // The token endpoint grants client_credentials only to admin-made clients (docs/configuration.md).
    if (client.source !== 'admin' && input.grantTypes.includes('client_credentials')) {
      ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'client_credentials is only for clients an administrator created: create a machine client instead' });
    }
  }).safeParse(raw);
  if (!parsed.success) return { ok: false, message: 'Check the fields below.', fieldErrors: fieldErrorsOf(parsed.error) };
  const input = parsed.data;
  const grantTypes = [...new Set(input.grantTypes)];
  const saved = await updateClientSettings(
    db,
    id,
    {
      name: input.name,
      redirectUris: [...new Set(input.redirectUris)],
      grantTypes,
      responseTypes: grantTypes.includes('authorization_code') ? ['code'] : [],
      scope: input.scope,
      canIntrospect: input.canIntrospect,
      metadata: input.dpopBound === undefined ? client.metadata : withDpopBound(client.metadata, input.dpopBound),
    },
    actor,
  );
  return saved ? { ok: true } : { ok: false, message: 'That client no longer exists.' };
}
