// Workspaces (SPEC §6): create, rename, see which teams hold them.
import type { Metadata } from 'next';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listWorkspaces } from '@/lib/server/db/workspaces';
import { CreateWorkspaceForm, RenameWorkspaceForm } from './forms';

export const metadata: Metadata = { title: 'Workspaces' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function WorkspacesPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const q = (await searchParams).q;
  const search = (Array.isArray(q) ? q[0] : q)?.trim().slice(0, 100) || undefined;
  const workspaces = await listWorkspaces(getAppContext().db, search);
  return (
    <div className="space-y-6">
      <PageHeader title="Workspaces" description="What tokens can reach: teams hold workspaces, and users reach those of their teams." />
      <Card title="New workspace">
        <CreateWorkspaceForm />
      </Card>
      <Card title="Workspaces">
        <form method="get" className="mb-4 flex gap-2" role="search">
          <label htmlFor="ws-search" className="sr-only">Search workspaces</label>
          <input id="ws-search" name="q" defaultValue={search} placeholder="Search by key or name" className="w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm" />
          <button type="submit" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm">Search</button>
        </form>
        {workspaces.length === 0 ? (
          <EmptyState title={search ? 'No workspace matches' : 'No workspaces yet'}>{search ? 'Try another search.' : 'Create one above, then assign it to a team.'}</EmptyState>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Workspaces">
            <TableHead cellClassName="py-1 font-medium" columns={['Key', 'Name', 'Held by teams']} />
            <tbody>
              {workspaces.map((w) => (
                <tr key={w.id} className="border-t border-slate-100" data-testid="workspace-row">
                  <td className="py-2 pr-3 font-mono text-xs">{w.key}</td>
                  <td className="py-2 pr-3"><RenameWorkspaceForm id={w.id} name={w.name} /></td>
                  <td className="py-2 text-slate-600">{w.teams.join(', ') || 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
