// Assigning workspaces to a team. Introspection of the team's token, and of
// its members' grants and personal tokens, reflects the change at once.
import { adminActor, done, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { assignTeamWorkspace, findTeamDetail, listWorkspaceChoices, unassignTeamWorkspace } from '../db/teams.ts';
import type { User } from '../db/users.ts';

type Admin = Pick<User, 'id' | 'email'>;

export async function assignWorkspace(db: Db, admin: Admin, teamId: string, workspaceId: string): Promise<TActionResult> {
  if (!(await findTeamDetail(db, teamId))) return refused('That team could not be found.');
  const workspace = (await listWorkspaceChoices(db)).find((w) => w.id === workspaceId);
  if (!workspace) return refused('Choose a workspace.', { workspaceId: 'Choose an existing workspace.' });
  const outcome = await assignTeamWorkspace(db, teamId, workspaceId, adminActor(admin));
  return outcome === 'assigned' ? done(`Workspace ${workspace.key} assigned.`) : refused('Choose a workspace.', { workspaceId: 'Already assigned to this team.' });
}

export async function unassignWorkspace(db: Db, admin: Admin, teamId: string, workspaceId: string): Promise<TActionResult> {
  return (await unassignTeamWorkspace(db, teamId, workspaceId, adminActor(admin))) ? done('Workspace unassigned.') : refused('That workspace was not assigned.');
}
