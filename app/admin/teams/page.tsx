// Teams: create with an owner; search, filter active/inactive, page;
// member and workspace counts. Each row opens the team's page.
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listTeams, parseTeamListParams } from '@/lib/server/teams/list-teams';
import { TeamsPageClient } from './page-client';

export const metadata: Metadata = { title: 'Teams' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function TeamsPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const params = parseTeamListParams(await searchParams);
  const initialPage = await listTeams(getAppContext().db, params);
  return (
    <div className="space-y-6">
      <PageHeader title="Teams" description="A user's workspaces are those of every active team they belong to; a team token reaches the team's workspaces." />
      <TeamsPageClient initialParams={params} initialPage={initialPage} />
    </div>
  );
}
