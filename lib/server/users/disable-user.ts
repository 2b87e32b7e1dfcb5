// Disabling a user ends everything they hold at once: their grants
// with every token issued under them, and their personal tokens, in the same
// transaction as the audit event. They cannot sign in while disabled
// (sign-in refuses them; a session of theirs no longer resolves).
import { adminActor, done, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { disableUser, enableUser, type User } from '../db/users.ts';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function disableUserByAdmin(db: Db, admin: Pick<User, 'id' | 'email'>, targetId: string): Promise<TActionResult> {
  if (targetId === admin.id) return refused('You cannot disable your own account.');
  const outcome = await disableUser(db, targetId, { actor: adminActor(admin) });
  switch (outcome.status) {
    case 'disabled': {
      const r = outcome.revoked;
      return done(
        `User disabled. Revoked ${plural(r.grants, 'grant')}, ${plural(r.refreshTokens, 'refresh token')}, ${plural(r.accessTokens, 'access token')} and ${plural(r.personalTokens, 'personal token')}.`,
      );
    }
    case 'unchanged':
      return done('That user is already disabled.');
    case 'last_admin':
      return refused('This is the last active admin; make someone else an admin first.');
    case 'not_found':
      return refused('That user could not be found.');
  }
}

export async function enableUserByAdmin(db: Db, admin: Pick<User, 'id' | 'email'>, targetId: string): Promise<TActionResult> {
  const outcome = await enableUser(db, targetId, { actor: adminActor(admin) });
  if (outcome === 'not_found') return refused('That user could not be found.');
  return done(outcome === 'enabled' ? 'User enabled. They can sign in again; what was revoked stays revoked.' : 'That user is already enabled.');
}
