'use client';

import Link from 'next/link';
import { Badge } from '@/components/admin/action-form';
import { ListPager, ListSearch, ListTable, useKeysetList, type TKeysetPage, type TListParams } from '@/components/admin/keyset-list';
import { Card, EmptyState } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table';
import type { UserListRow } from '@/lib/server/users/list-users';
import { fetchUsersPageAction } from './actions';

const day = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 10) : 'never');
const select = 'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm';

export function UsersPageClient({ initialParams, initialPage }: { initialParams: TListParams; initialPage: TKeysetPage<UserListRow> }) {
  const list = useKeysetList({ name: 'users', fetchPage: fetchUsersPageAction, initialParams, initialPage });
  const filtered = Boolean(list.params.q || list.params.role || list.params.status);
  return (
    <Card>
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <ListSearch id="user-search" label="Search users" placeholder="Email, username or name" value={list.params.q ?? ''} onSearch={(q) => list.update({ q })} />
        <label htmlFor="user-role" className="text-sm text-slate-700">Role</label>
        <select id="user-role" value={list.params.role ?? ''} onChange={(e) => list.update({ role: e.target.value })} className={select}>
          <option value="">Any</option>
          <option value="admin">Admins</option>
          <option value="member">Non-admins</option>
        </select>
        <label htmlFor="user-status" className="text-sm text-slate-700">Status</label>
        <select id="user-status" value={list.params.status ?? ''} onChange={(e) => list.update({ status: e.target.value })} className={select}>
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
        </select>
      </div>
      {list.rows.length === 0 && !list.isFetching ? (
        <EmptyState title={filtered ? 'No user matches' : 'No users yet'}>{filtered ? 'Try another search or filter.' : 'Users appear when they first sign in.'}</EmptyState>
      ) : (
        <ListTable label="Users" busy={list.isFetching}>
          <TableHead columns={['Email', 'Username', 'Name', 'Role', 'Status', 'Via', 'Last sign-in']} />
          <tbody>
            {list.rows.map((u) => (
              <tr key={u.id} className="border-t border-slate-100" data-testid="user-row">
                <td className="py-2 pr-3">
                  <Link href={`/admin/users/${u.id}`} className="text-indigo-700 underline hover:text-indigo-900">{u.email}</Link>
                </td>
                <td className="py-2 pr-3 font-mono text-xs">{u.username}</td>
                <td className="py-2 pr-3">{u.name ?? '—'}</td>
                <td className="py-2 pr-3">{u.isAdmin ? <Badge tone="indigo">admin</Badge> : <span className="text-slate-600">member</span>}</td>
                <td className="py-2 pr-3">{u.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}</td>
                <td className="py-2 pr-3 text-slate-600">{u.createdVia.replace('_', ' ')}</td>
                <td className="py-2 whitespace-nowrap text-slate-600">{day(u.lastLoginAt)}</td>
              </tr>
            ))}
          </tbody>
        </ListTable>
      )}
      <ListPager list={list} label="Users" />
    </Card>
  );
}
