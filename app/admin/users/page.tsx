// Users: search by email, username or name; filter by role and
// status; keyset pages. Each row opens the user's page.
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listUsers, parseUserListParams } from '@/lib/server/users/list-users';
import { UsersPageClient } from './page-client';

export const metadata: Metadata = { title: 'Users' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function UsersPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const params = parseUserListParams(await searchParams);
  const initialPage = await listUsers(getAppContext().db, params);
  return (
    <div className="space-y-6">
      <PageHeader title="Users" description="Everyone who signed in or was created by an admin. Disabling a user revokes all of their grants and tokens at once." />
      <UsersPageClient initialParams={params} initialPage={initialPage} />
    </div>
  );
}
