// The admin users list: search by email, username or name; filter by
// role and status; keyset pages in email order. Params come from the URL, so
// anything malformed falls back to "no filter" rather than failing the page.
import { z } from 'zod';
import { firstValuesOf } from '../../search-params.ts';
import type { Db } from '../db/client.ts';
import { decodeCursor, encodeCursor } from '../db/keyset.ts';
import { listUsersPage, type User } from '../db/users.ts';

export const USERS_PAGE_SIZE = 25;

export const ZUserListParamsSchema = z.object({
  q: z.string().trim().max(100).catch(''),
  role: z.enum(['', 'admin', 'member']).catch(''),
  status: z.enum(['', 'active', 'disabled']).catch(''),
  after: z.string().max(512).catch(''),
});

export type TUserListParams = z.infer<typeof ZUserListParamsSchema>;

export type UserListRow = Pick<User, 'id' | 'email' | 'username' | 'name' | 'isAdmin' | 'disabled' | 'createdVia' | 'lastLoginAt' | 'createdAt'>;

/** Accepts anything (URL params, a client's request) and reads what it can. */
export function parseUserListParams(raw: unknown): TUserListParams {
  return ZUserListParamsSchema.parse(firstValuesOf(raw));
}

export async function listUsers(db: Db, params: TUserListParams): Promise<{ rows: UserListRow[]; next: string | null }> {
  const page = await listUsersPage(
    db,
    {
      search: params.q || undefined,
      admin: params.role ? params.role === 'admin' : undefined,
      disabled: params.status ? params.status === 'disabled' : undefined,
    },
    { after: decodeCursor(params.after), limit: USERS_PAGE_SIZE },
  );
  return { rows: page.rows, next: page.next && encodeCursor(page.next) };
}
