import type { Metadata } from 'next';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listRecentAudit } from '@/lib/server/db/audit';
import { countEverything } from '@/lib/server/db/stats';

export const metadata: Metadata = { title: 'Administration' };

export default async function AdminDashboardPage() {
  await requireAdmin();
  const { db } = getAppContext();
  const [counts, events] = await Promise.all([countEverything(db), listRecentAudit(db, { limit: 10 })]);
  const tiles: [string, number][] = [
    ['Users', counts.users],
    ['Clients', counts.clients],
    ['Active grants', counts.activeGrants],
    ['Personal tokens', counts.personalTokens],
    ['Teams', counts.teams],
    ['Published keys', counts.signingKeys],
  ];
  return (
    <div className="space-y-6">
      <PageHeader title="Administration" description="The state of this Gatehouse at a glance." />
      <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3" aria-label="Counts">
        {tiles.map(([label, value]) => (
          <li key={label} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <p className="text-sm text-slate-500">{label}</p>
            <p className="mt-1 text-2xl font-semibold text-slate-900">{value.toLocaleString('en')}</p>
          </li>
        ))}
      </ul>
      <Card title="Recent events">
        {events.length === 0 ? (
          <EmptyState title="No events yet">Changes and security events will appear here.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-1 font-medium">When</th>
                <th scope="col" className="py-1 font-medium">Action</th>
                <th scope="col" className="py-1 font-medium">Actor</th>
                <th scope="col" className="py-1 font-medium">Target</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} className="border-t border-slate-100">
                  <td className="py-1.5 whitespace-nowrap text-slate-500">{e.at.toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td className="py-1.5 font-mono text-xs">{e.action}</td>
                  <td className="py-1.5">{e.actor.label ?? ('id' in e.actor ? e.actor.id : e.actor.type)}</td>
                  <td className="py-1.5 text-slate-600">{e.target ? `${e.target.type} ${e.target.id.slice(0, 12)}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
