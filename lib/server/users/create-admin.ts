// Creating (or promoting) an administrator from the CLI, with an optional
// break-glass local password.
import { z } from 'zod';
import { usernameFromEmail } from '../../identity/forward-auth.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/passwords.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type AuditActor } from '../db/audit.ts';
import { upsertLocalCredential } from '../db/credentials.ts';
import { findUserByEmail, findUserByUsername, insertUser, setUserAdmin, type User } from '../db/users.ts';

export class AdminCreateError extends Error {}

export const ZCreateAdminSchema = z.object({
  email: z.email('must be an email address').transform((e) => e.toLowerCase()),
  password: z.string().min(MIN_PASSWORD_LENGTH, `the password must have at least ${MIN_PASSWORD_LENGTH} characters`).max(1024).optional(),
});

export async function createAdmin(db: Db, raw: z.input<typeof ZCreateAdminSchema>, actor: AuditActor): Promise<{ user: User; created: boolean }> {
  const input = ZCreateAdminSchema.parse(raw);
  let user = await findUserByEmail(db, input.email);
  const created = !user;
  if (!user) {
    const username = usernameFromEmail(input.email);
    if (await findUserByUsername(db, username)) {
      throw new AdminCreateError(`the username "${username}" already belongs to another account`);
    }
    user = await insertUser(db, { email: input.email, username, isAdmin: true, createdVia: input.password ? 'local' : 'admin' });
  } else if (!user.isAdmin) {
    user = await setUserAdmin(db, user.id, true);
  }
  if (input.password) await upsertLocalCredential(db, user.id, await hashPassword(input.password));
  await recordAudit(db, {
    actor,
    action: created ? 'user.created' : 'user.promoted_admin',
    target: { type: 'user', id: user.id },
    details: { email: user.email, admin: true, localPassword: Boolean(input.password) },
  });
  return { user, created };
}
