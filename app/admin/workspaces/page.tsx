// Workspaces: create, rename, see which teams hold them; search and
// keyset pages in the URL.
import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listWorkspaces, parseWorkspaceListParams } from '@/lib/server/workspaces/list-workspaces';
import { CreateWorkspaceForm } from './forms';
import { WorkspacesList } from './page-client';

export const metadata: Metadata = { title: 'Workspaces' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function WorkspacesPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const params = parseWorkspaceListParams(await searchParams);
  const initialPage = await listWorkspaces(getAppContext().db, params);
  return (
    <div className="space-y-6">
      <PageHeader title="Workspaces" description="What tokens can reach: teams hold workspaces, and users reach those of their teams." />
      <Card title="New workspace">
        <CreateWorkspaceForm />
      </Card>
      <WorkspacesList initialParams={params} initialPage={initialPage} />
    </div>
  );
}
