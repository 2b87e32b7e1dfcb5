'use server';
// Signing-key actions. Each re-checks that the caller is an admin.
import { revalidatePath } from 'next/cache';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { retireExpiredSigningKeys, rotateSigningKey } from '@/lib/server/keys/signing-keys';

export type TKeyActionResult = { ok: boolean; message: string };

export async function rotateKeyAction(): Promise<TKeyActionResult> {
  const admin = await requireAdmin();
  const { db, secret } = getAppContext();
  const { kid } = await rotateSigningKey(db, secret, { type: 'user', id: admin.id, label: admin.email });
  revalidatePath('/admin/keys');
  return { ok: true, message: `Now signing with ${kid.slice(0, 12)}…; the previous key stays published until its tokens expire.` };
}

export async function retireKeysAction(): Promise<TKeyActionResult> {
  const admin = await requireAdmin();
  const { db, config } = getAppContext();
  const retired = await retireExpiredSigningKeys(db, config.ttl.accessToken, { type: 'user', id: admin.id, label: admin.email });
  revalidatePath('/admin/keys');
  return { ok: true, message: retired.length ? `Retired ${retired.length} key(s).` : 'No retiring key is old enough to retire yet.' };
}
