// The admin teams list: search by name, filter active/inactive,
// keyset pages in name order. Malformed URL params fall back to no filter.
import { z } from 'zod';
import { firstValuesOf } from '../../search-params.ts';
import type { Db } from '../db/client.ts';
import { decodeCursor, encodeCursor } from '../db/keyset.ts';
import { listTeamsPage, type TeamListRow } from '../db/teams.ts';

export const TEAMS_PAGE_SIZE = 25;

export const ZTeamListParamsSchema = z.object({
  q: z.string().trim().max(100).catch(''),
  status: z.enum(['', 'active', 'inactive']).catch(''),
  after: z.string().max(512).catch(''),
});

export type TTeamListParams = z.infer<typeof ZTeamListParamsSchema>;

export function parseTeamListParams(raw: unknown): TTeamListParams {
  return ZTeamListParamsSchema.parse(firstValuesOf(raw));
}

export async function listTeams(db: Db, params: TTeamListParams): Promise<{ rows: TeamListRow[]; next: string | null }> {
  const page = await listTeamsPage(
    db,
    { search: params.q || undefined, active: params.status ? params.status === 'active' : undefined },
    { after: decodeCursor(params.after), limit: TEAMS_PAGE_SIZE },
  );
  return { rows: page.rows, next: page.next && encodeCursor(page.next) };
}
