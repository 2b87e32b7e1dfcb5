// The /setup page's use-case: the first administrator, created in the browser
// with the one-time link the server printed (docs/deploy.md#first-run). Same
// rules as `gatehouse admin create`; the password is hashed only once the
// token has been found valid, so a stranger's submissions cost no argon2 run.
import { z } from 'zod';
import { fieldErrorsOf } from '../../form-errors.ts';
import { usernameFromEmail } from '../../identity/forward-auth.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Db } from '../db/client.ts';
import { checkSetupToken, redeemSetupToken } from '../db/setup-token.ts';
import { ZCreateAdminSchema } from './create-admin.ts';

export const ZFirstAdminSchema = ZCreateAdminSchema.extend({
  token: z.string().min(1).max(200),
  password: ZCreateAdminSchema.shape.password.unwrap(),
  confirm: z.string().max(1024),
}).refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'the two passwords differ' });

export type FirstAdminResult =
  | { ok: true; email: string }
  | { ok: false; message: string; fieldErrors?: Partial<Record<'email' | 'password' | 'confirm', string>> };

const EXPIRED = 'This setup link is not valid any more: it was used, it expired (after 15 minutes), or a newer start of the server replaced it. Restart the server for a new link.';
const DONE = 'An administrator exists already: sign in instead.';

export async function createFirstAdmin(
  db: Db,
  raw: { token: string; email: string; password: string; confirm: string },
  meta: { ip?: string | null; userAgent?: string | null } = {},
): Promise<FirstAdminResult> {
  const state = await checkSetupToken(db, raw.token);
  if (state === 'admin_exists') return { ok: false, message: DONE };
  if (state === 'invalid') return { ok: false, message: EXPIRED };
  const parsed = ZFirstAdminSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, message: 'Check the highlighted fields.', fieldErrors: fieldErrorsOf(parsed.error) };
  const { email, password } = parsed.data;
  const outcome = await redeemSetupToken(db, raw.token, { email, username: usernameFromEmail(email), passwordHash: await hashPassword(password), ...meta });
  if (outcome.ok) return { ok: true, email: outcome.user.email };
  if (outcome.reason === 'admin_exists') return { ok: false, message: DONE };
  if (outcome.reason === 'account_exists') return { ok: false, message: 'An account with this email or username exists already.', fieldErrors: { email: 'an account with this email or username exists already' } };
  return { ok: false, message: EXPIRED };
}
