'use client';

import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useActionState, useEffect } from 'react';
import { Badge, buttonClass } from '@/components/admin/action-form';
import { ListPager, ListSearch, ListTable, useKeysetList, type TKeysetPage, type TListParams } from '@/components/admin/keyset-list';
import { Card, EmptyState } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table';
import type { TeamListRow } from '@/lib/server/db/teams';
import { createTeamAction, fetchTeamsPageAction, type TCreateTeamFormState } from './actions';

const input = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm aria-[invalid=true]:border-red-600';

function CreateTeamForm() {
  const [state, action, pending] = useActionState<TCreateTeamFormState | null, FormData>(createTeamAction, null);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (state?.ok) void queryClient.invalidateQueries({ queryKey: ['teams'] });
  }, [state, queryClient]);
  const values = state?.values ?? { name: '', ownerEmail: '' };
  const errors = state?.fieldErrors ?? {};
  return (
    <form key={JSON.stringify(state)} action={action} className="grid gap-3 sm:grid-cols-3" aria-label="Create a team">
      <div>
        <label htmlFor="team-name" className="text-sm font-medium text-slate-800">Name</label>
        <input id="team-name" name="name" defaultValue={values.name} required maxLength={80} aria-invalid={Boolean(errors.name)} aria-describedby={errors.name ? 'team-name-error' : undefined} className={input} />
        {errors.name ? <p id="team-name-error" className="mt-1 text-xs text-red-700">{errors.name}</p> : null}
      </div>
      <div>
        <label htmlFor="team-owner" className="text-sm font-medium text-slate-800">Owner email</label>
        <input id="team-owner" name="ownerEmail" type="email" defaultValue={values.ownerEmail} required aria-invalid={Boolean(errors.ownerEmail)} aria-describedby={errors.ownerEmail ? 'team-owner-error' : 'team-owner-help'} className={input} />
        {errors.ownerEmail ? (
          <p id="team-owner-error" className="mt-1 text-xs text-red-700">{errors.ownerEmail}</p>
        ) : (
          <p id="team-owner-help" className="mt-1 text-xs text-slate-600">An existing user; they become the team&apos;s first member.</p>
        )}
      </div>
      <div className="flex items-start pt-6">
        <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? 'Creating…' : 'Create team'}</button>
      </div>
      {state ? (
        <p role="status" className={`text-sm sm:col-span-3 ${state.ok ? 'text-emerald-800' : 'text-red-700'}`}>
          {state.message}{' '}
          {state.ok && state.teamId ? <Link href={`/admin/teams/${state.teamId}`} className="text-indigo-700 underline">Open the team</Link> : null}
        </p>
      ) : null}
    </form>
  );
}

const select = 'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm';

export function TeamsPageClient({ initialParams, initialPage }: { initialParams: TListParams; initialPage: TKeysetPage<TeamListRow> }) {
  const list = useKeysetList({ name: 'teams', fetchPage: fetchTeamsPageAction, initialParams, initialPage });
  const filtered = Boolean(list.params.q || list.params.status);
  return (
    <>
      <Card title="New team">
        <CreateTeamForm />
      </Card>
      <Card title="Teams">
        <div className="mb-4 flex flex-wrap items-center gap-3">
          <ListSearch id="team-search" label="Search teams" placeholder="Team name" value={list.params.q ?? ''} onSearch={(q) => list.update({ q })} />
          <label htmlFor="team-status" className="text-sm text-slate-700">Status</label>
          <select id="team-status" value={list.params.status ?? ''} onChange={(e) => list.update({ status: e.target.value })} className={select}>
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
          </select>
        </div>
        {list.rows.length === 0 && !list.isFetching ? (
          <EmptyState title={filtered ? 'No team matches' : 'No teams yet'}>{filtered ? 'Try another search or filter.' : 'Create one above, then add members and workspaces.'}</EmptyState>
        ) : (
          <ListTable label="Teams" busy={list.isFetching}>
            <TableHead columns={['Name', 'Owner', 'Members', 'Workspaces', 'Token', 'Status']} />
            <tbody>
              {list.rows.map((t) => (
                <tr key={t.id} className="border-t border-slate-100" data-testid="team-row">
                  <td className="py-2 pr-3"><Link href={`/admin/teams/${t.id}`} className="text-indigo-700 underline hover:text-indigo-900">{t.name}</Link></td>
                  <td className="py-2 pr-3">{t.ownerEmail}</td>
                  <td className="py-2 pr-3" data-testid="member-count">{t.memberCount}</td>
                  <td className="py-2 pr-3" data-testid="workspace-count">{t.workspaceCount}</td>
                  <td className="py-2 pr-3">{t.hasToken ? 'issued' : 'none'}</td>
                  <td className="py-2">{t.active ? <Badge tone="green">active</Badge> : <Badge tone="amber">inactive</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </ListTable>
        )}
        <ListPager list={list} label="Teams" />
      </Card>
    </>
  );
}
