// One user: profile, teams, live grants and personal tokens, live
// access tokens; make or unmake admin; disable (revoking everything) or enable.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/admin/action-form';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { getUserOverview } from '@/lib/server/users/user-overview';
import { UserActions } from './user-actions';

export const metadata: Metadata = { title: 'User' };

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'never');

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const admin = await requireAdmin();
  const { id } = await params;
  const overview = id.length <= 100 ? await getUserOverview(getAppContext().db, id) : null;
  if (!overview) notFound();
  const { user, teams, grants, personalTokens, liveAccessTokens } = overview;
  const profile: [string, string][] = [
    ['Email', user.email],
    ['Username', user.username],
    ['Name', user.name ?? '—'],
    ['Created via', user.createdVia.replace('_', ' ')],
    ['Created', day(user.createdAt)],
    ['Last sign-in', day(user.lastLoginAt)],
    ['Live access tokens', liveAccessTokens.toLocaleString('en')],
  ];
  return (
    <div className="space-y-6">
      <p className="text-sm"><Link href="/admin/users" className="text-indigo-700 underline">← All users</Link></p>
      <PageHeader title={user.email} description="What this user holds, and what an admin can change." />
      <div className="flex gap-2" data-testid="user-badges">
        {user.isAdmin ? <Badge tone="indigo">admin</Badge> : <Badge tone="slate">member</Badge>}
        {user.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}
      </div>
      <Card title="Profile">
        <dl className="grid grid-cols-[11rem_1fr] gap-y-2 text-sm">
          {profile.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-slate-600">{label}</dt>
              <dd className="text-slate-900" data-testid={`profile-${label.toLowerCase().replaceAll(' ', '-')}`}>{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card title="Access">
        <UserActions userId={user.id} isAdmin={user.isAdmin} disabled={user.disabled} isSelf={user.id === admin.id} />
      </Card>
      <Card title="Teams">
        {teams.length === 0 ? (
          <EmptyState title="In no team">Add them to a team on its page to give them workspaces.</EmptyState>
        ) : (
          <ul className="space-y-1 text-sm" aria-label="Teams">
            {teams.map((t) => (
              <li key={t.id} className="flex items-center gap-2">
                <Link href={`/admin/teams/${t.id}`} className="text-indigo-700 underline">{t.name}</Link>
                <span className="text-slate-600">{t.role}</span>
                {t.active ? null : <Badge tone="amber">inactive team</Badge>}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Grants">
        {grants.length === 0 ? (
          <EmptyState title="No active grants">Applications this user allows on a consent page appear here.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Grants">
            <TableHead columns={['Application', 'Scopes', 'Resource', 'Workspaces', 'Allowed', 'Last used']} />
            <tbody>
              {grants.map((g) => (
                <tr key={g.id} className="border-t border-slate-100" data-testid="grant-row">
                  <td className="py-2 pr-3">{g.clientName}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{g.scope.join(' ') || '—'}</td>
                  <td className="py-2 pr-3 break-all font-mono text-xs">{g.resource ?? '—'}</td>
                  <td className="py-2 pr-3">{g.workspaceKeys.join(', ') || 'none'}</td>
                  <td className="py-2 pr-3 whitespace-nowrap">{day(g.createdAt)}</td>
                  <td className="py-2 whitespace-nowrap">{day(g.lastUsedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Personal tokens">
        {personalTokens.length === 0 ? (
          <EmptyState title="No live personal tokens">Tokens the user creates on their account page appear here.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Personal tokens">
            <TableHead columns={['Name', 'Prefix', 'Workspaces', 'Tools', 'Expires', 'Last used']} />
            <tbody>
              {personalTokens.map((t) => (
                <tr key={t.id} className="border-t border-slate-100" data-testid="pat-row">
                  <td className="py-2 pr-3">{t.name}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{t.prefix}…</td>
                  <td className="py-2 pr-3">{t.workspaceKeys.join(', ') || 'none'}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{t.tools.join(' ') || 'none'}</td>
                  <td className="py-2 pr-3 whitespace-nowrap">{day(t.expiresAt)}</td>
                  <td className="py-2 whitespace-nowrap">{day(t.lastUsedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
