'use server';
// Client actions: each re-checks the admin, validates its input and answers
// { ok, message, fieldErrors? } for the form; nothing throws at the user.
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z, ZodError } from 'zod';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { fieldErrorsOf } from '@/lib/server/clients/client-settings';
import { replaceKeys } from '@/lib/server/clients/client-keys';
import { createClient } from '@/lib/server/clients/create-client';
import { pruneUnusedDynamicClients } from '@/lib/server/clients/prune-dynamic-clients';
import { rotateClientSecret } from '@/lib/server/clients/rotate-client-secret';
import { updateClient } from '@/lib/server/clients/update-client';
import { getAppContext } from '@/lib/server/context';
import type { AuditActor } from '@/lib/server/db/audit';
import { deleteClientById, listClientsPage, setClientApproved, setClientDisabled, unblockClientDocument, type ClientPage } from '@/lib/server/db/clients';
import { revokeActiveGrantsOfClient } from '@/lib/server/db/client-grants';
import { parseDurationSeconds } from '@/lib/config';
import { CLIENTS_PAGE_SIZE, parseClientListParams } from './list-params';

export type TClientActionResult = { ok: boolean; message: string; fieldErrors?: Record<string, string> };

const actorOf = (admin: { id: string; email: string }) => ({ type: 'user', id: admin.id, label: admin.email }) satisfies AuditActor;
const ZId = z.string().trim().min(1).max(100);
const NOT_FOUND: TClientActionResult = { ok: false, message: 'That client no longer exists.' };

export async function fetchClientsPageAction(raw: Record<string, string>): Promise<ClientPage> {
  await requireAdmin();
  const { after, ...filter } = parseClientListParams(typeof raw === 'object' && raw ? raw : {});
  return listClientsPage(getAppContext().db, filter, { after, limit: CLIENTS_PAGE_SIZE });
}

// ---------------------------------------------------------------------------
// Create

export type TCreateClientValues = { name: string; type: string; redirectUris: string; grantTypes: string[]; scopes: string[]; canIntrospect: boolean; dpopBound: boolean; jwks: string; jwksUri: string };
export type TCreateClientState = TClientActionResult & {
  values?: TCreateClientValues;
  /** Shown once: the secret is in this answer and nowhere else. */
  created?: { id: string; clientId: string; name: string; clientSecret: string | null; keyBased: boolean };
};

const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

function settingsFromForm(form: FormData) {
  return {
    name: String(form.get('name') ?? ''),
    redirectUris: String(form.get('redirectUris') ?? ''),
    grantTypes: form.getAll('grantType').map(String),
    scopes: form.getAll('scope').map(String),
    canIntrospect: form.get('canIntrospect') === 'on',
    dpopBound: form.get('dpopBound') === 'on',
  };
}

export async function createClientAction(_previous: TCreateClientState | null, form: FormData): Promise<TCreateClientState> {
  const admin = await requireAdmin();
  const values: TCreateClientValues = { ...settingsFromForm(form), type: String(form.get('type') ?? ''), jwks: String(form.get('jwks') ?? ''), jwksUri: String(form.get('jwksUri') ?? '') };
  const type = z.enum(['public', 'confidential', 'key']).safeParse(values.type);
  if (!type.success) return { ok: false, message: 'Check the fields below.', fieldErrors: { type: 'Choose public, confidential or key-based' }, values };
  // Keys belong to a key-based client only; a key-based client needs them.
  const keys = type.data === 'key' ? { jwks: values.jwks.trim() || undefined, jwksUri: values.jwksUri.trim() || undefined } : {};
  if (type.data === 'key' && !keys.jwks && !keys.jwksUri) return { ok: false, message: 'Check the fields below.', fieldErrors: { jwks: 'paste a JWK Set of public keys, or give a jwks_uri' }, values };
  try {
    const { client, clientSecret } = await createClient(
      getAppContext().db,
      {
        name: values.name,
        redirectUris: lines(values.redirectUris),
        confidential: type.data === 'confidential',
        grantTypes: values.grantTypes as never,
        scope: values.scopes.join(' '),
        canIntrospect: values.canIntrospect,
        dpopBound: values.dpopBound,
        ...keys,
      },
      actorOf(admin),
    );
    revalidatePath('/admin/clients');
    const keyBased = client.tokenEndpointAuthMethod === 'private_key_jwt';
    return { ok: true, message: `Client ${client.name} created.`, created: { id: client.id, clientId: client.clientId, name: client.name, clientSecret, keyBased } };
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const { confidential, ...fieldErrors } = fieldErrorsOf(error);
    return { ok: false, message: 'Check the fields below.', fieldErrors: confidential ? { ...fieldErrors, type: confidential } : fieldErrors, values };
  }
}

// ---------------------------------------------------------------------------
// One client

export async function updateClientAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const id = ZId.safeParse(form.get('id'));
  if (!id.success) return NOT_FOUND;
  const values = settingsFromForm(form);
  const result = await updateClient(
    getAppContext().db,
    id.data,
    { name: values.name, redirectUris: lines(values.redirectUris), grantTypes: values.grantTypes as never, scope: values.scopes.join(' '), canIntrospect: values.canIntrospect, dpopBound: values.dpopBound },
    actorOf(admin),
  );
  if (!result.ok) return result;
  revalidatePath(`/admin/clients/${id.data}`);
  return { ok: true, message: 'Saved.' };
}

export async function replaceClientKeysAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const id = ZId.safeParse(form.get('id'));
  if (!id.success) return NOT_FOUND;
  const result = await replaceKeys(getAppContext().db, id.data, { jwks: String(form.get('jwks') ?? ''), jwksUri: String(form.get('jwksUri') ?? '') }, actorOf(admin));
  if (!result.ok) return result;
  revalidatePath(`/admin/clients/${id.data}`);
  return { ok: true, message: 'Keys replaced; assertions signed by other keys no longer work.' };
}

export type TRotateSecretState = TClientActionResult & { clientSecret?: string };

export async function rotateClientSecretAction(_previous: TRotateSecretState | null, form: FormData): Promise<TRotateSecretState> {
  const admin = await requireAdmin();
  const id = ZId.safeParse(form.get('id'));
  if (!id.success) return NOT_FOUND;
  const secret = await rotateClientSecret(getAppContext().db, id.data, actorOf(admin));
  if (!secret) return { ok: false, message: 'This client has no secret to rotate (it is public, or gone).' };
  revalidatePath(`/admin/clients/${id.data}`);
  return { ok: true, message: 'New secret issued; the old one no longer works.', clientSecret: secret };
}

/** A switch form's client id and its `true`/`false` field, or null. */
function readSwitch(form: FormData, field: string): { id: string; on: boolean } | null {
  const parsed = z.object({ id: ZId, on: z.enum(['true', 'false']) }).safeParse({ id: form.get('id'), on: form.get(field) });
  return parsed.success ? { id: parsed.data.id, on: parsed.data.on === 'true' } : null;
}

export async function setClientDisabledAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const parsed = readSwitch(form, 'disabled');
  if (!parsed) return NOT_FOUND;
  const disabled = parsed.on;
  const changed = await setClientDisabled(getAppContext().db, parsed.id, disabled, actorOf(admin));
  revalidatePath(`/admin/clients/${parsed.id}`);
  if (!changed) return { ok: false, message: `The client is already ${disabled ? 'disabled' : 'enabled'}, or gone.` };
  return { ok: true, message: disabled ? 'Client disabled: it can get no tokens, and its tokens no longer introspect as active.' : 'Client enabled.' };
}

export async function setClientApprovedAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const parsed = readSwitch(form, 'approved');
  if (!parsed) return NOT_FOUND;
  const approved = parsed.on;
  const changed = await setClientApproved(getAppContext().db, parsed.id, approved, actorOf(admin));
  revalidatePath(`/admin/clients/${parsed.id}`);
  if (!changed) return { ok: false, message: `The client is already ${approved ? 'approved' : 'not approved'}, was made by an administrator, or is gone.` };
  return { ok: true, message: approved ? 'Client approved.' : 'Approval withdrawn.' };
}

export async function revokeClientGrantsAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const id = ZId.safeParse(form.get('id'));
  if (!id.success) return NOT_FOUND;
  const count = await revokeActiveGrantsOfClient(getAppContext().db, id.data, actorOf(admin));
  revalidatePath(`/admin/clients/${id.data}`);
  return { ok: true, message: count ? `Revoked ${count} grant${count === 1 ? '' : 's'} and their tokens.` : 'There were no active grants to revoke.' };
}

export async function deleteClientAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const id = ZId.safeParse(form.get('id'));
  if (!id.success) return NOT_FOUND;
  const impact = await deleteClientById(getAppContext().db, id.data, actorOf(admin));
  if (!impact) return NOT_FOUND;
  revalidatePath('/admin/clients');
  redirect(impact.blocked ? '/admin/clients?notice=deleted-blocked' : '/admin/clients?notice=deleted');
}

/** Lets a blocked metadata document be fetched again (the client comes back on its next request). */
export async function unblockClientDocumentAction(_previous: TClientActionResult | null, form: FormData): Promise<TClientActionResult> {
  const admin = await requireAdmin();
  const url = z.string().min(1).max(2048).safeParse(form.get('url'));
  if (!url.success || !(await unblockClientDocument(getAppContext().db, url.data, actorOf(admin)))) return { ok: false, message: 'That document is not blocked.' };
  revalidatePath('/admin/clients');
  return { ok: true, message: 'Unblocked: the application can sign users in again.' };
}

// ---------------------------------------------------------------------------
// Pruning unused dynamic clients

export type TPruneState = TClientActionResult & { preview?: { count: number; idle: string } };

const ZIdle = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const seconds = parseDurationSeconds(v);
    if (seconds === null || seconds < 3600) {
      ctx.addIssue({ code: 'custom', message: 'Give a duration of at least an hour, such as 12h or 30d' });
      return z.NEVER;
    }
    return { text: v, seconds };
  });

export async function pruneClientsAction(_previous: TPruneState | null, form: FormData): Promise<TPruneState> {
  const admin = await requireAdmin();
  const idle = ZIdle.safeParse(form.get('idle') ?? '');
  if (!idle.success) return { ok: false, message: 'Check the fields below.', fieldErrors: { idle: idle.error.issues[0].message } };
  const dryRun = form.get('step') !== 'confirm';
  const { count } = await pruneUnusedDynamicClients(getAppContext().db, { idleSeconds: idle.data.seconds, dryRun, actor: actorOf(admin), reason: 'manual' });
  if (dryRun) {
    return { ok: true, message: count ? `${count} client${count === 1 ? '' : 's'} would be pruned.` : 'No client would be pruned.', preview: { count, idle: idle.data.text } };
  }
  revalidatePath('/admin/clients');
  return { ok: true, message: `Pruned ${count} client${count === 1 ? '' : 's'}.` };
}
