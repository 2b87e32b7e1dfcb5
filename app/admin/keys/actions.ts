'use server';
// Signing-key actions: staged rotation (publish → make signer), rotation at
// once, retirement. Each re-checks that the caller is an admin, and drops this
// instance's cached keys so the change is seen at once (others within 5 s).
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { activateSigningKey, publishSigningKey, retireSigningKeyNow, rotateSigningKey } from '@/lib/server/keys/signing-keys';
import { invalidateCached } from '@/lib/server/oauth/cache-invalidation';

export type TKeyActionResult = { ok: boolean; message: string };

const ZKidSchema = z.object({ kid: z.string().min(1).max(100) });
const short = (kid: string) => `${kid.slice(0, 12)}…`;
const actorOf = (admin: { id: string; email: string }) => ({ type: 'user' as const, id: admin.id, label: admin.email });

function changed(): void {
  invalidateCached(getAppContext().db, 'signing-keys');
  revalidatePath('/admin/keys');
}

export async function publishKeyAction(): Promise<TKeyActionResult> {
  const admin = await requireAdmin();
  const { db, secret } = getAppContext();
  const published = await publishSigningKey(db, secret, actorOf(admin));
  changed();
  return published.ok
    ? { ok: true, message: `Published ${short(published.kid)} in the JWKS. It does not sign yet: make it the signer once resource servers have refreshed their key sets.` }
    : published;
}

export async function activateKeyAction(_previous: TKeyActionResult | null, form: FormData): Promise<TKeyActionResult> {
  const admin = await requireAdmin();
  const parsed = ZKidSchema.safeParse({ kid: form.get('kid') });
  if (!parsed.success) return { ok: false, message: 'That key could not be found.' };
  const activated = await activateSigningKey(getAppContext().db, parsed.data.kid, actorOf(admin));
  changed();
  return activated.ok
    ? { ok: true, message: `Now signing with ${short(parsed.data.kid)}; the previous key stays published as retiring until its tokens expire.` }
    : activated;
}

export async function rotateKeyAction(): Promise<TKeyActionResult> {
  const admin = await requireAdmin();
  const { db, secret } = getAppContext();
  const { kid } = await rotateSigningKey(db, secret, actorOf(admin));
  changed();
  return { ok: true, message: `Now signing with ${short(kid)}; the previous key stays published until its tokens expire.` };
}

export async function retireKeyAction(_previous: TKeyActionResult | null, form: FormData): Promise<TKeyActionResult> {
  const admin = await requireAdmin();
  const parsed = ZKidSchema.safeParse({ kid: form.get('kid') });
  if (!parsed.success) return { ok: false, message: 'That key could not be found.' };
  const retired = await retireSigningKeyNow(getAppContext().db, parsed.data.kid, actorOf(admin));
  changed();
  if (!retired.ok) return retired;
  return {
    ok: true,
    message: retired.liveTokens
      ? `Retired ${short(parsed.data.kid)}; ${retired.liveTokens} access token(s) it signed no longer verify.`
      : `Retired ${short(parsed.data.kid)}.`,
  };
}
