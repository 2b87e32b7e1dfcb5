'use server';
// Workspace actions: admin re-checked in each, input validated, field errors returned.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { createWorkspace, renameWorkspace, type WorkspaceView } from '@/lib/server/db/workspaces';
import type { TKeysetPage, TListParams } from '@/components/admin/keyset-list';
import { listWorkspaces, parseWorkspaceListParams } from '@/lib/server/workspaces/list-workspaces';

export type TWorkspaceFormState = { ok: boolean; message: string; fieldErrors?: Partial<Record<'key' | 'name', string>>; values?: { key: string; name: string } };

const ZName = z.string().trim().min(1, 'Give it a name').max(100, 'At most 100 characters');
const ZCreateWorkspaceSchema = z.object({
  key: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{1,62}$/, 'Lower-case letters, digits, _ and -; 2 to 63 characters'),
  name: ZName,
});

export async function fetchWorkspacesPageAction(params: TListParams): Promise<TKeysetPage<WorkspaceView>> {
  await requireAdmin();
  return listWorkspaces(getAppContext().db, parseWorkspaceListParams(params));
}

export async function createWorkspaceAction(_previous: TWorkspaceFormState | null, form: FormData): Promise<TWorkspaceFormState> {
  const admin = await requireAdmin();
  const values = { key: String(form.get('key') ?? ''), name: String(form.get('name') ?? '') };
  const parsed = ZCreateWorkspaceSchema.safeParse(values);
  if (!parsed.success) {
    const fieldErrors: TWorkspaceFormState['fieldErrors'] = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path[0] as 'key' | 'name'] ??= issue.message;
    return { ok: false, message: 'Check the fields below.', fieldErrors, values };
  }
  const id = await createWorkspace(getAppContext().db, parsed.data, { type: 'user', id: admin.id, label: admin.email });
  if (!id) return { ok: false, message: 'Check the fields below.', fieldErrors: { key: 'A workspace with this key exists' }, values };
  revalidatePath('/admin/workspaces');
  return { ok: true, message: `Workspace ${parsed.data.key} created.` };
}

export async function renameWorkspaceAction(_previous: TWorkspaceFormState | null, form: FormData): Promise<TWorkspaceFormState> {
  const admin = await requireAdmin();
  const name = ZName.safeParse(form.get('name'));
  const id = z.string().min(1).max(100).safeParse(form.get('id'));
  if (!name.success || !id.success) return { ok: false, message: name.success ? 'That workspace could not be found.' : name.error.issues[0].message };
  const renamed = await renameWorkspace(getAppContext().db, id.data, name.data, { type: 'user', id: admin.id, label: admin.email });
  revalidatePath('/admin/workspaces');
  return renamed ? { ok: true, message: 'Renamed.' } : { ok: false, message: 'That workspace could not be found.' };
}
