'use server';
// Scope actions. Each re-checks the admin, validates its input and
// answers with a message for the form; the protocol's scope cache is dropped
// after every change so this instance sees it at once.
import { z } from 'zod';
import type { TKeysetPage } from '@/components/admin/keyset-list';
import { fieldErrorsOf } from '@/lib/form-errors';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { decodeCursor, encodeCursor } from '@/lib/server/db/keyset';
import { createScope, deleteScope, listScopesPage, scopeUsage, updateScope, type ScopeUsage } from '@/lib/server/db/scopes';
import { invalidateCached } from '@/lib/server/oauth/cache-invalidation';
import { ZToolListSchema } from '@/lib/server/tools/tool-list';
import { SCOPE_PAGE_SIZE, ZScopeListParamsSchema, toScopeRow, type TScopeRow } from './list-params';

export type TScopeField = 'name' | 'description' | 'tools' | 'isDefault';
export type TScopeFormValues = { name: string; description: string; tools: string; isDefault: boolean };
export type TScopeFormState = { ok: boolean; message: string; fieldErrors?: Partial<Record<TScopeField, string>>; values?: TScopeFormValues };

const ZScopeNameSchema = z
  .string()
  .trim()
  .min(2, 'At least 2 characters')
  .max(64, 'At most 64 characters')
  .regex(/^[a-z][a-z0-9_-]*(?:[:./][a-z0-9_-]+)*$/, 'Lower-case letters, digits, _ and -, in parts joined by : . or / (like mcp:read)');

const ZScopeFormSchema = z.object({
  name: ZScopeNameSchema,
  description: z.string().trim().min(1, 'Say what it allows: people read this on the consent page').max(200, 'At most 200 characters'),
  tools: ZToolListSchema,
  isDefault: z.boolean(),
});

const actorOf = (admin: { id: string; email: string }) => ({ type: 'user' as const, id: admin.id, label: admin.email });

function readForm(form: FormData): TScopeFormValues {
  return {
    name: String(form.get('name') ?? ''),
    description: String(form.get('description') ?? ''),
    tools: String(form.get('tools') ?? ''),
    isDefault: form.get('isDefault') === 'on',
  };
}

export async function fetchScopesPageAction(raw: Record<string, string>): Promise<TKeysetPage<TScopeRow>> {
  await requireAdmin();
  const params = ZScopeListParamsSchema.parse(raw);
  const page = await listScopesPage(getAppContext().db, { q: params.q || undefined, after: decodeCursor(params.after)?.value, limit: SCOPE_PAGE_SIZE });
  return { rows: page.rows.map(toScopeRow), next: page.next ? encodeCursor({ value: page.next, id: page.next }) : null };
}

export async function createScopeAction(_previous: TScopeFormState | null, form: FormData): Promise<TScopeFormState> {
  const admin = await requireAdmin();
  const values = readForm(form);
  const parsed = ZScopeFormSchema.safeParse(values);
  if (!parsed.success) return { ok: false, message: 'Check the fields below.', fieldErrors: fieldErrorsOf<TScopeField>(parsed.error), values };
  const { name, ...input } = parsed.data;
  const { db } = getAppContext();
  const outcome = await createScope(db, name, input, actorOf(admin));
  if (outcome === 'exists') return { ok: false, message: 'Check the fields below.', fieldErrors: { name: 'A scope with this name exists' }, values };
  invalidateCached(db, 'scopes');
  return { ok: true, message: `Scope ${name} created.` };
}

export async function updateScopeAction(_previous: TScopeFormState | null, form: FormData): Promise<TScopeFormState> {
  const admin = await requireAdmin();
  const values = readForm(form);
  const original = z.string().min(1).max(64).safeParse(form.get('originalName'));
  if (!original.success) return { ok: false, message: 'That scope could not be found.', values };
  const parsed = ZScopeFormSchema.safeParse(values);
  if (!parsed.success) return { ok: false, message: 'Check the fields below.', fieldErrors: fieldErrorsOf<TScopeField>(parsed.error), values };
  const { name, ...input } = parsed.data;
  const { db } = getAppContext();
  const outcome = await updateScope(db, original.data, { ...input, newName: name }, actorOf(admin));
  invalidateCached(db, 'scopes');
  switch (outcome) {
    case 'updated':
      return { ok: true, message: `Scope ${name} saved.` };
    case 'not_found':
      return { ok: false, message: 'That scope no longer exists.', values };
    case 'built_in_rename':
      return { ok: false, message: 'Check the fields below.', fieldErrors: { name: 'Built-in scopes keep their name' }, values };
    case 'in_use':
      return { ok: false, message: 'Check the fields below.', fieldErrors: { name: 'Grants, clients or resource servers use this name; create a new scope instead' }, values };
    case 'exists':
      return { ok: false, message: 'Check the fields below.', fieldErrors: { name: 'A scope with this name exists' }, values };
  }
}

const ZDeleteScopeSchema = z.object({ name: z.string().min(1).max(64) });

/** What deleting would affect, shown before the admin confirms. */
export async function scopeUsageAction(name: string): Promise<ScopeUsage | null> {
  await requireAdmin();
  const parsed = ZDeleteScopeSchema.safeParse({ name });
  return parsed.success ? scopeUsage(getAppContext().db, parsed.data.name) : null;
}

export async function deleteScopeAction(_previous: TScopeFormState | null, form: FormData): Promise<TScopeFormState> {
  const admin = await requireAdmin();
  const parsed = ZDeleteScopeSchema.safeParse({ name: form.get('name') });
  if (!parsed.success) return { ok: false, message: 'That scope could not be found.' };
  const { db } = getAppContext();
  const outcome = await deleteScope(db, parsed.data.name, actorOf(admin));
  invalidateCached(db, 'scopes');
  if (outcome === 'built_in') return { ok: false, message: 'Built-in scopes cannot be deleted.' };
  if (outcome === 'not_found') return { ok: false, message: 'That scope was already deleted.' };
  return { ok: true, message: `Scope ${parsed.data.name} deleted.` };
}
