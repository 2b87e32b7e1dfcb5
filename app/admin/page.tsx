// Dashboard: counts, a chart of authentication failures by reason,
// recent security events (the full log is at /admin/audit).
import type { Metadata } from 'next';
import Link from 'next/link';
import { AuthFailureChart } from '@/components/admin/auth-failure-chart';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listRecentAudit } from '@/lib/server/db/audit';
import { SECURITY_ACTIONS, countAuthFailures } from '@/lib/server/db/auth-failure-stats';
import { countEverything } from '@/lib/server/db/stats';
import { firstValues, type TSearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Administration' };

export default async function AdminDashboardPage({ searchParams }: { searchParams: TSearchParams }) {
  await requireAdmin();
  const { db } = getAppContext();
  const range = firstValues(await searchParams).range === '14d' ? '14d' : '24h';
  const [counts, failures, events] = await Promise.all([countEverything(db), countAuthFailures(db, range), listRecentAudit(db, { actions: SECURITY_ACTIONS, limit: 10 })]);
  const t = counts.liveTokens;
  const tiles: { label: string; value: number; detail?: string }[] = [
    { label: 'Users', value: counts.users },
    { label: 'Clients', value: counts.clients },
    { label: 'Active grants', value: counts.activeGrants },
    { label: 'Live tokens', value: t.total, detail: `${t.access} access · ${t.refresh} refresh · ${t.personal} personal · ${t.team} team` },
    { label: 'Teams', value: counts.teams },
    { label: 'Published keys', value: counts.signingKeys },
  ];
  return (
    <div className="space-y-6">
      <PageHeader title="Administration" description="The state of this Gatehouse at a glance." />
      <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3" aria-label="Counts">
        {tiles.map((tile) => (
          <li key={tile.label} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={`count-${tile.label.toLowerCase().replaceAll(' ', '-')}`}>
            <p className="text-sm text-slate-600">{tile.label}</p>
            <p className="mt-1 text-2xl font-semibold text-slate-900">{tile.value.toLocaleString('en')}</p>
            {tile.detail ? <p className="mt-1 text-xs text-slate-600">{tile.detail}</p> : null}
          </li>
        ))}
      </ul>
      <Card title="Authentication failures">
        <AuthFailureChart series={failures} />
      </Card>
      <Card title="Recent security events">
        {events.length === 0 ? (
          <EmptyState title="No security events yet">Authentication failures, break-glass sign-ins and signing-key changes will appear here.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Recent security events">
            <TableHead cellClassName="py-1 font-medium" columns={['When', 'Action', 'Actor', 'Target']} />
            <tbody>
              {events.map((e) => (
                <tr key={e.id} className="border-t border-slate-100">
                  <td className="py-1.5 whitespace-nowrap text-slate-600">{e.at.toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td className="py-1.5 font-mono text-xs">{e.action}</td>
                  <td className="py-1.5">{e.actor.label ?? ('id' in e.actor ? e.actor.id : e.actor.type)}</td>
                  <td className="py-1.5 text-slate-600">{e.target ? `${e.target.type} ${e.target.id.slice(0, 12)}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="mt-3 text-sm">
          <Link href="/admin/audit" className="text-indigo-700 underline">See the full audit log</Link>
        </p>
      </Card>
    </div>
  );
}
