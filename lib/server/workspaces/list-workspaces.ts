// The admin workspaces list: search by key or name, keyset pages in
// name order. Malformed URL params fall back to no filter.
import { z } from 'zod';
import { firstValuesOf } from '../../search-params.ts';
import type { Db } from '../db/client.ts';
import { decodeCursor, encodeCursor } from '../db/keyset.ts';
import { listWorkspacesPage, type WorkspaceView } from '../db/workspaces.ts';

export const WORKSPACES_PAGE_SIZE = 25;

export const ZWorkspaceListParamsSchema = z.object({
  q: z.string().trim().max(100).catch(''),
  after: z.string().max(512).catch(''),
});

export type TWorkspaceListParams = z.infer<typeof ZWorkspaceListParamsSchema>;

export function parseWorkspaceListParams(raw: unknown): TWorkspaceListParams {
  return ZWorkspaceListParamsSchema.parse(firstValuesOf(raw));
}

export async function listWorkspaces(db: Db, params: TWorkspaceListParams): Promise<{ rows: WorkspaceView[]; next: string | null }> {
  const page = await listWorkspacesPage(db, params.q || undefined, { after: decodeCursor(params.after), limit: WORKSPACES_PAGE_SIZE });
  return { rows: page.rows, next: page.next && encodeCursor(page.next) };
}
