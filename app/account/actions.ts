'use server';
// Server actions of the account page. Each re-checks who is asking and that
// the record is theirs; Next.js checks the Origin of every action (CSRF).
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireUser } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { revokeGrantOfUser, setGrantWorkspacesOfUser } from '@/lib/server/db/grants';
import { revokePersonalTokenOfUser } from '@/lib/server/db/personal-tokens';
import { getOAuthContext } from '@/lib/server/oauth/provider';
import { createPersonalToken, type CreatePersonalTokenResult } from '@/lib/server/tokens/create-personal-token';

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

/** What the form shows next: the result, and on an error what was typed, so nothing is lost. */
export type TCreateTokenFormState = CreatePersonalTokenResult & { values?: { name: string; tools: string; expiresInDays: string } };

export async function createPersonalTokenAction(_previous: TCreateTokenFormState | null, form: FormData): Promise<TCreateTokenFormState> {
  const user = await requireUser();
  const app = getAppContext();
  const mine = await getOAuthContext(app).store.listUserWorkspaces(user.id);
  const values = { name: String(form.get('name') ?? ''), tools: String(form.get('tools') ?? ''), expiresInDays: String(form.get('expiresInDays') ?? '0') };
  const result = await createPersonalToken(app.db, user, mine, { ...values, workspaces: form.getAll('workspace').map(String) });
  if (!result.ok) return { ...result, values };
  revalidatePath('/account');
  return result;
}

const ZRevokeTokenSchema = z.object({ tokenId: z.string().min(1).max(100) });

export async function revokePersonalTokenAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const user = await requireUser();
  const parsed = ZRevokeTokenSchema.safeParse({ tokenId: form.get('tokenId') });
  if (!parsed.success) return { ok: false, message: 'That token could not be found.' };
  const revoked = await revokePersonalTokenOfUser(getAppContext().db, user.id, parsed.data.tokenId);
  revalidatePath('/account');
  return revoked ? { ok: true, message: 'Token revoked.' } : { ok: false, message: 'That token was already revoked.' };
}

const ZGrantWorkspacesSchema = z.object({ grantId: z.string().min(1).max(100), workspaces: z.array(z.string().min(1).max(100)).max(200) });

/** Changes what a grant shares; only among the user's workspaces now, as on the consent page. */
export async function setGrantWorkspacesAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const user = await requireUser();
  const parsed = ZGrantWorkspacesSchema.safeParse({ grantId: form.get('grantId'), workspaces: form.getAll('workspace').map(String) });
  if (!parsed.success) return { ok: false, message: 'That access could not be found.' };
  const app = getAppContext();
  const mine = new Set(await getOAuthContext(app).store.listUserWorkspaces(user.id));
  const chosen = [...new Set(parsed.data.workspaces)];
  if (chosen.some((key) => !mine.has(key))) return { ok: false, message: 'You can only share workspaces you have.' };
  const changed = await setGrantWorkspacesOfUser(app.db, user.id, parsed.data.grantId, chosen.sort());
  revalidatePath('/account');
  return changed ? { ok: true, message: 'Shared workspaces saved.' } : { ok: false, message: 'That access was revoked meanwhile.' };
}
