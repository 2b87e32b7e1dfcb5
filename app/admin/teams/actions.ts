'use server';
// Team actions: each re-checks the admin, validates its input and answers with
// a message (and field errors) the page shows; nothing throws at the user.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { TKeysetPage, TListParams } from '@/components/admin/keyset-list';
import { refused, type TActionResult } from '@/lib/server/action-result';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import type { TeamListRow } from '@/lib/server/db/teams';
import { createTeam, type TCreateTeamResult } from '@/lib/server/teams/create-team';
import { listTeams, parseTeamListParams } from '@/lib/server/teams/list-teams';
import { addMemberByEmail, makeMemberOwner, removeMember } from '@/lib/server/teams/team-members';
import { changeTeamActive, changeTeamTools } from '@/lib/server/teams/team-settings';
import { issueTeamToken, revokeTeamTokenByAdmin, type TIssueTeamTokenResult } from '@/lib/server/teams/team-token';
import { assignWorkspace, unassignWorkspace } from '@/lib/server/teams/team-workspaces';

export async function fetchTeamsPageAction(params: TListParams): Promise<TKeysetPage<TeamListRow>> {
  await requireAdmin();
  return listTeams(getAppContext().db, parseTeamListParams(params));
}

export type TCreateTeamFormState = TCreateTeamResult & { values?: { name: string; ownerEmail: string } };

export async function createTeamAction(_previous: TCreateTeamFormState | null, form: FormData): Promise<TCreateTeamFormState> {
  const admin = await requireAdmin();
  const values = { name: String(form.get('name') ?? ''), ownerEmail: String(form.get('ownerEmail') ?? '') };
  const result = await createTeam(getAppContext().db, admin, values);
  if (!result.ok) return { ...result, values };
  revalidatePath('/admin/teams');
  return result;
}

const ZId = z.string().min(1).max(100);
const ZTeamFormSchema = z.object({ teamId: ZId });
const ZTeamUserSchema = z.object({ teamId: ZId, userId: ZId });
const ZTeamWorkspaceSchema = z.object({ teamId: ZId, workspaceId: z.string().max(100) });

const NOT_FOUND = refused('That team could not be found.');

function revalidateTeam(teamId: string): void {
  revalidatePath('/admin/teams');
  revalidatePath(`/admin/teams/${teamId}`);
}

type Admin = Awaited<ReturnType<typeof requireAdmin>>;

/** Validates the form, runs the change as the admin (checked by the caller first), refreshes the team's pages. */
async function teamChange<T extends z.ZodType<{ teamId: string }>>(
  admin: Admin,
  schema: T,
  form: FormData,
  fields: string[],
  change: (admin: Admin, input: z.infer<T>) => Promise<TActionResult>,
): Promise<TActionResult> {
  const parsed = schema.safeParse(Object.fromEntries(fields.map((f) => [f, form.get(f) ?? ''])));
  if (!parsed.success) return NOT_FOUND;
  const result = await change(admin, parsed.data);
  revalidateTeam(parsed.data.teamId);
  return result;
}

const db = () => getAppContext().db;

export type TMemberFormState = TActionResult & { values?: { email: string } };

export async function addMemberAction(_previous: TMemberFormState | null, form: FormData): Promise<TMemberFormState> {
  const admin = await requireAdmin();
  const email = String(form.get('email') ?? '');
  const result = await teamChange(admin, ZTeamFormSchema, form, ['teamId'], (admin, { teamId }) => addMemberByEmail(db(), admin, teamId, email));
  return result.ok ? result : { ...result, values: { email } };
}

export async function removeMemberAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  return teamChange(await requireAdmin(), ZTeamUserSchema, form, ['teamId', 'userId'], (admin, { teamId, userId }) => removeMember(db(), admin, teamId, userId));
}

export async function makeOwnerAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  return teamChange(await requireAdmin(), ZTeamUserSchema, form, ['teamId', 'userId'], (admin, { teamId, userId }) => makeMemberOwner(db(), admin, teamId, userId));
}

export async function assignWorkspaceAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  return teamChange(await requireAdmin(), ZTeamWorkspaceSchema, form, ['teamId', 'workspaceId'], (admin, { teamId, workspaceId }) => assignWorkspace(db(), admin, teamId, workspaceId));
}

export async function unassignWorkspaceAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  return teamChange(await requireAdmin(), ZTeamWorkspaceSchema, form, ['teamId', 'workspaceId'], (admin, { teamId, workspaceId }) => unassignWorkspace(db(), admin, teamId, workspaceId));
}

export type TToolsFormState = TActionResult & { values?: { tools: string } };

export async function setToolsAction(_previous: TToolsFormState | null, form: FormData): Promise<TToolsFormState> {
  const admin = await requireAdmin();
  const tools = String(form.get('tools') ?? '');
  const result = await teamChange(admin, ZTeamFormSchema, form, ['teamId'], (admin, { teamId }) => changeTeamTools(db(), admin, teamId, tools));
  return { ...result, values: { tools } };
}

export async function setActiveAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  const admin = await requireAdmin();
  const active = form.get('active') === 'true';
  return teamChange(admin, ZTeamFormSchema, form, ['teamId'], (admin, { teamId }) => changeTeamActive(db(), admin, teamId, active));
}

export async function issueTokenAction(_previous: TIssueTeamTokenResult | null, form: FormData): Promise<TIssueTeamTokenResult> {
  const admin = await requireAdmin();
  const parsed = ZTeamFormSchema.safeParse({ teamId: form.get('teamId') });
  if (!parsed.success) return NOT_FOUND;
  const result = await issueTeamToken(db(), admin, parsed.data.teamId);
  revalidateTeam(parsed.data.teamId);
  return result;
}

export async function revokeTokenAction(_previous: TActionResult | null, form: FormData): Promise<TActionResult> {
  return teamChange(await requireAdmin(), ZTeamFormSchema, form, ['teamId'], (admin, { teamId }) => revokeTeamTokenByAdmin(db(), admin, teamId));
}
