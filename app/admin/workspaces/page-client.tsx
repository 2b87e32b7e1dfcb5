'use client';

import { ListPager, ListSearch, ListTable, useKeysetList, type TKeysetPage, type TListParams } from '@/components/admin/keyset-list';
import { Card, EmptyState } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table';
import type { WorkspaceView } from '@/lib/server/db/workspaces';
import { fetchWorkspacesPageAction } from './actions';
import { RenameWorkspaceForm } from './forms';

export function WorkspacesList({ initialParams, initialPage }: { initialParams: TListParams; initialPage: TKeysetPage<WorkspaceView> }) {
  const list = useKeysetList({ name: 'workspaces', fetchPage: fetchWorkspacesPageAction, initialParams, initialPage });
  return (
    <Card title="Workspaces">
      <div className="mb-4">
        <ListSearch id="ws-search" label="Search workspaces" placeholder="Search by key or name" value={list.params.q ?? ''} onSearch={(q) => list.update({ q })} />
      </div>
      {list.rows.length === 0 && !list.isFetching ? (
        <EmptyState title={list.params.q ? 'No workspace matches' : 'No workspaces yet'}>{list.params.q ? 'Try another search.' : 'Create one above, then assign it to a team.'}</EmptyState>
      ) : (
        <ListTable label="Workspaces" busy={list.isFetching}>
          <TableHead cellClassName="py-1 font-medium" columns={['Key', 'Name', 'Held by teams']} />
          <tbody>
            {list.rows.map((w) => (
              <tr key={w.id} className="border-t border-slate-100" data-testid="workspace-row">
                <td className="py-2 pr-3 font-mono text-xs">{w.key}</td>
                <td className="py-2 pr-3"><RenameWorkspaceForm id={w.id} name={w.name} /></td>
                <td className="py-2 text-slate-600">{w.teams.join(', ') || 'none'}</td>
              </tr>
            ))}
          </tbody>
        </ListTable>
      )}
      <ListPager list={list} label="Workspaces" />
    </Card>
  );
}
