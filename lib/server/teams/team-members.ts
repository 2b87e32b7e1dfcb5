// Team membership changes: add an existing user by email, remove a member (not
// the owner), hand ownership to a member. Reach follows at once: a user's
// workspaces are those of the active teams they belong to now.
import { adminActor, done, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { addTeamMember, findTeamDetail, removeTeamMember, transferTeamOwnership } from '../db/teams.ts';
import type { User } from '../db/users.ts';
import { findAssignableUser, ZMemberEmailSchema } from './create-team.ts';

type Admin = Pick<User, 'id' | 'email'>;

const TEAM_GONE = 'That team could not be found.';

export async function addMemberByEmail(db: Db, admin: Admin, teamId: string, rawEmail: unknown): Promise<TActionResult> {
  const email = ZMemberEmailSchema.safeParse(rawEmail);
  if (!email.success) return refused('Check the email.', { email: email.error.issues[0].message });
  if (!(await findTeamDetail(db, teamId))) return refused(TEAM_GONE);
  const found = await findAssignableUser(db, email.data);
  if ('error' in found) return refused('Check the email.', { email: found.error });
  const outcome = await addTeamMember(db, teamId, found.user.id, adminActor(admin));
  return outcome === 'added' ? done(`${found.user.email} added.`) : refused('Check the email.', { email: 'Already a member of this team.' });
}

export async function removeMember(db: Db, admin: Admin, teamId: string, userId: string): Promise<TActionResult> {
  const outcome = await removeTeamMember(db, teamId, userId, adminActor(admin));
  if (outcome === 'is_owner') return refused('The owner cannot be removed; make another member the owner first.');
  return outcome === 'removed' ? done('Member removed.') : refused('That member is no longer in the team.');
}

export async function makeMemberOwner(db: Db, admin: Admin, teamId: string, userId: string): Promise<TActionResult> {
  const outcome = await transferTeamOwnership(db, teamId, userId, adminActor(admin));
  if (outcome === 'not_member') return refused('Only a member of the team can become its owner.');
  return done(outcome === 'transferred' ? 'Ownership transferred.' : 'They already own the team.');
}
