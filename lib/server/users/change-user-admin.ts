// Making or unmaking an admin. An admin cannot remove their own flag (they
// would lock themselves out mid-session), and the last active admin stays one.
import { adminActor, done, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { changeUserAdmin, type User } from '../db/users.ts';

export async function setAdminFlagOfUser(db: Db, admin: Pick<User, 'id' | 'email'>, targetId: string, isAdmin: boolean): Promise<TActionResult> {
  if (!isAdmin && targetId === admin.id) return refused('You cannot remove your own admin rights. Ask another admin to do it.');
  const outcome = await changeUserAdmin(db, targetId, isAdmin, { actor: adminActor(admin) });
  switch (outcome) {
    case 'changed':
      return done(isAdmin ? 'They are now an admin.' : 'They are no longer an admin.');
    case 'unchanged':
      return done(isAdmin ? 'They already are an admin.' : 'They already are not an admin.');
    case 'last_admin':
      return refused('This is the last active admin; make someone else an admin first.');
    case 'not_found':
      return refused('That user could not be found.');
  }
}
