// Creating a team with an owner named by email: the owner must be an existing,
// enabled user, and becomes the team's first member.
import { z } from 'zod';
import { adminActor, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { insertTeam } from '../db/teams.ts';
import { findUserByEmail, type User } from '../db/users.ts';

export const ZTeamNameSchema = z.string().trim().min(1, 'Give the team a name').max(80, 'At most 80 characters');
export const ZMemberEmailSchema = z.string().trim().toLowerCase().pipe(z.email('Enter an email address').max(320));

export const ZCreateTeamSchema = z.object({ name: ZTeamNameSchema, ownerEmail: ZMemberEmailSchema });

const NOT_CREATED = 'The team was not created: check the marked fields.';

export type TCreateTeamResult = TActionResult & { teamId?: string };

/** An existing, enabled user by email, or the message that says why not. */
export async function findAssignableUser(db: Db, email: string): Promise<{ user: User } | { error: string }> {
  const user = await findUserByEmail(db, email);
  if (!user) return { error: 'No user has this email; they appear once they have signed in (or an admin created them).' };
  if (user.disabled) return { error: 'This user is disabled.' };
  return { user };
}

export async function createTeam(db: Db, admin: Pick<User, 'id' | 'email'>, raw: { name: unknown; ownerEmail: unknown }): Promise<TCreateTeamResult> {
  const parsed = ZCreateTeamSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
    return refused(NOT_CREATED, fieldErrors);
  }
  const owner = await findAssignableUser(db, parsed.data.ownerEmail);
  if ('error' in owner) return refused(NOT_CREATED, { ownerEmail: owner.error });
  const teamId = await insertTeam(db, { name: parsed.data.name, ownerId: owner.user.id }, adminActor(admin));
  if (!teamId) return refused(NOT_CREATED, { name: 'A team with this name exists' });
  return { ok: true, message: `Team ${parsed.data.name} created.`, teamId };
}
