'use server';
// User actions: each re-checks the admin, validates its input and answers with
// a message the page shows; Next.js checks the Origin of every action (CSRF).
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { TKeysetPage, TListParams } from '@/components/admin/keyset-list';
import { refused, type TActionResult } from '@/lib/server/action-result';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { setAdminFlagOfUser } from '@/lib/server/users/change-user-admin';
import { disableUserByAdmin, enableUserByAdmin } from '@/lib/server/users/disable-user';
import { listUsers, parseUserListParams, type UserListRow } from '@/lib/server/users/list-users';

export async function fetchUsersPageAction(params: TListParams): Promise<TKeysetPage<UserListRow>> {
  await requireAdmin();
  return listUsers(getAppContext().db, parseUserListParams(params));
}

const ZUserIdSchema = z.string().min(1).max(100);
const ZSetAdminSchema = z.object({ userId: ZUserIdSchema, isAdmin: z.enum(['true', 'false']) });

function revalidateUser(id: string): void {
  revalidatePath('/admin/users');
  revalidatePath(`/admin/users/${id}`);
}

export async function setAdminAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const admin = await requireAdmin();
  const parsed = ZSetAdminSchema.safeParse({ userId: form.get('userId'), isAdmin: form.get('isAdmin') });
  if (!parsed.success) return refused('That user could not be found.');
  const result = await setAdminFlagOfUser(getAppContext().db, admin, parsed.data.userId, parsed.data.isAdmin === 'true');
  revalidateUser(parsed.data.userId);
  return result;
}

export async function disableUserAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const admin = await requireAdmin();
  return changeUserStatus(admin, form, disableUserByAdmin);
}

export async function enableUserAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const admin = await requireAdmin();
  return changeUserStatus(admin, form, enableUserByAdmin);
}

// Disabling and enabling take the same input and refresh the same pages.
async function changeUserStatus(
  admin: Awaited<ReturnType<typeof requireAdmin>>,
  form: FormData,
  change: typeof disableUserByAdmin | typeof enableUserByAdmin,
): Promise<TActionResult> {
  const userId = ZUserIdSchema.safeParse(form.get('userId'));
  if (!userId.success) return refused('That user could not be found.');
  const result = await change(getAppContext().db, admin, userId.data);
  revalidateUser(userId.data);
  return result;
}
