'use server';
// Server actions of the account page. Each re-checks who is asking and that
// the record is theirs; Next.js checks the Origin of every action (CSRF).
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireUser } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { revokeGrantOfUser } from '@/lib/server/db/grants';

const ZRevokeGrantSchema = z.object({ grantId: z.string().min(1).max(100) });

export type TActionResult = { ok: true; message: string } | { ok: false; message: string };

export async function revokeGrantAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const user = await requireUser();
  const parsed = ZRevokeGrantSchema.safeParse({ grantId: form.get('grantId') });
  if (!parsed.success) return { ok: false, message: 'That access could not be found.' };
  const revoked = await revokeGrantOfUser(getAppContext().db, user.id, parsed.data.grantId);
  revalidatePath('/account');
  return revoked ? { ok: true, message: 'Access revoked. The application can no longer act for you.' } : { ok: false, message: 'That access was already revoked.' };
}
