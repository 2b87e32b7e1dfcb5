'use server';
// Resource-server actions. Each re-checks the admin and validates
// its input: the URL as the protocol core checks a `resource` (RFC 8707 §2),
// the scopes against the scope table.
import { z } from 'zod';
import type { TKeysetPage } from '@/components/admin/keyset-list';
import { fieldErrorsOf } from '@/lib/form-errors';
import { canonicalResource, resourceProblem } from '@/lib/oauth/resource';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { decodeCursor, encodeCursor } from '@/lib/server/db/keyset';
import { createResourceServer, deleteResourceServer, listResourceServersPage, updateResourceServer } from '@/lib/server/db/resource-servers';
import { listScopeNames } from '@/lib/server/db/scopes';
import { RESOURCE_SERVER_PAGE_SIZE, ZResourceServerListParamsSchema, toResourceServerRow, type TResourceServerRow } from './list-params';

export type TResourceServerField = 'url' | 'name' | 'scopes';
export type TResourceServerFormValues = { url: string; name: string; scopes: string[] };
export type TResourceServerFormState = {
  ok: boolean;
  message: string;
  fieldErrors?: Partial<Record<TResourceServerField, string>>;
  values?: TResourceServerFormValues;
};

const ZResourceServerFormSchema = z.object({
  url: z
    .string()
    .trim()
    .min(1, 'The URL clients send as resource')
    .max(500, 'At most 500 characters')
    .superRefine((value, ctx) => {
      const problem = resourceProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `The URL ${problem}` });
    }),
  name: z.string().trim().min(1, 'Give it a name people recognise on the consent page').max(100, 'At most 100 characters'),
  scopes: z.array(z.string().max(64)).max(100),
});

const actorOf = (admin: { id: string; email: string }) => ({ type: 'user' as const, id: admin.id, label: admin.email });

function readForm(form: FormData): TResourceServerFormValues {
  return { url: String(form.get('url') ?? ''), name: String(form.get('name') ?? ''), scopes: form.getAll('scope').map(String) };
}

/** Validates the form; scopes must exist in the scope table. */
async function validate(values: TResourceServerFormValues): Promise<{ ok: true; data: TResourceServerFormValues } | { ok: false; state: TResourceServerFormState }> {
  const parsed = ZResourceServerFormSchema.safeParse(values);
  if (!parsed.success) return { ok: false, state: { ok: false, message: 'Check the fields below.', fieldErrors: fieldErrorsOf<TResourceServerField>(parsed.error), values } };
  const known = new Set(await listScopeNames(getAppContext().db));
  const unknown = parsed.data.scopes.filter((s) => !known.has(s));
  if (unknown.length) return { ok: false, state: { ok: false, message: 'Check the fields below.', fieldErrors: { scopes: `Unknown scope: ${unknown.join(' ')}` }, values } };
  return { ok: true, data: { ...parsed.data, url: canonicalResource(parsed.data.url), scopes: [...new Set(parsed.data.scopes)].sort() } };
}

export async function fetchResourceServersPageAction(raw: Record<string, string>): Promise<TKeysetPage<TResourceServerRow>> {
  await requireAdmin();
  const params = ZResourceServerListParamsSchema.parse(raw);
  const page = await listResourceServersPage(getAppContext().db, { q: params.q || undefined, after: decodeCursor(params.after)?.value, limit: RESOURCE_SERVER_PAGE_SIZE });
  return { rows: page.rows.map(toResourceServerRow), next: page.next ? encodeCursor({ value: page.next, id: page.next }) : null };
}

export async function createResourceServerAction(_previous: TResourceServerFormState | null, form: FormData): Promise<TResourceServerFormState> {
  const admin = await requireAdmin();
  const values = readForm(form);
  const checked = await validate(values);
  if (!checked.ok) return checked.state;
  const created = await createResourceServer(getAppContext().db, checked.data, actorOf(admin));
  if (!created.ok) return { ok: false, message: 'Check the fields below.', fieldErrors: { url: 'A resource server with this URL is registered' }, values };
  return { ok: true, message: `${checked.data.name} registered. Only registered resource servers are accepted from now on.` };
}

export async function updateResourceServerAction(_previous: TResourceServerFormState | null, form: FormData): Promise<TResourceServerFormState> {
  const admin = await requireAdmin();
  const values = readForm(form);
  const id = z.string().min(1).max(100).safeParse(form.get('id'));
  if (!id.success) return { ok: false, message: 'That resource server could not be found.', values };
  const checked = await validate(values);
  if (!checked.ok) return checked.state;
  const outcome = await updateResourceServer(getAppContext().db, id.data, checked.data, actorOf(admin));
  if (outcome === 'exists') return { ok: false, message: 'Check the fields below.', fieldErrors: { url: 'A resource server with this URL is registered' }, values };
  if (outcome === 'not_found') return { ok: false, message: 'That resource server no longer exists.', values };
  return { ok: true, message: `${checked.data.name} saved.` };
}

export async function deleteResourceServerAction(_previous: TResourceServerFormState | null, form: FormData): Promise<TResourceServerFormState> {
  const admin = await requireAdmin();
  const id = z.string().min(1).max(100).safeParse(form.get('id'));
  if (!id.success) return { ok: false, message: 'That resource server could not be found.' };
  const deleted = await deleteResourceServer(getAppContext().db, id.data, actorOf(admin));
  if (!deleted.ok) return { ok: false, message: 'That resource server was already deleted.' };
  return {
    ok: true,
    message: deleted.remaining ? 'Resource server deleted.' : 'Resource server deleted. None is registered now, so any valid resource URL is accepted again.',
  };
}
