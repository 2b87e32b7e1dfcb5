// A team's tool list and whether it is active. An inactive team's token is
// inactive, and its workspaces stop counting toward its members'.
import { z } from 'zod';
import { adminActor, done, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { setTeamActive, setTeamTools } from '../db/teams.ts';
import type { User } from '../db/users.ts';

type Admin = Pick<User, 'id' | 'email'>;

const TOOL = /^(\*|[A-Za-z0-9_.:-]{1,64})$/;

/** `*` alone means every tool (stored as null); otherwise the listed names. An empty list is refused, not read as "all". */
export const ZTeamToolsSchema = z
  .string()
  .max(4000)
  .transform((v) => [...new Set(v.split(/[\s,]+/).filter(Boolean))])
  .refine((tools) => tools.length > 0, 'List at least one tool, or * for every tool')
  .refine((tools) => tools.length <= 200, 'At most 200 tools')
  .refine((tools) => tools.every((t) => TOOL.test(t)), 'Tool names use letters, digits and . _ : - only')
  .transform((tools) => (tools.includes('*') ? null : tools));

export async function changeTeamTools(db: Db, admin: Admin, teamId: string, raw: unknown): Promise<TActionResult> {
  const tools = ZTeamToolsSchema.safeParse(typeof raw === 'string' ? raw : '');
  if (!tools.success) return refused('Check the tools.', { tools: tools.error.issues[0].message });
  if (!(await setTeamTools(db, teamId, tools.data, adminActor(admin)))) return refused('That team could not be found.');
  return done(tools.data === null ? 'The team token may call every tool.' : `The team token may call ${tools.data.length} tool(s).`);
}

export async function changeTeamActive(db: Db, admin: Admin, teamId: string, active: boolean): Promise<TActionResult> {
  const outcome = await setTeamActive(db, teamId, active, adminActor(admin));
  if (outcome === 'not_found') return refused('That team could not be found.');
  if (outcome === 'unchanged') return done(active ? 'The team is already active.' : 'The team is already inactive.');
  return done(active ? 'Team reactivated.' : 'Team deactivated: its token and its workspaces no longer count.');
}
