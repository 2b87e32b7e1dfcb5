import type { Metadata } from 'next';
import { Card, EmptyState } from '@/components/ui/card';
import { KeyBoundBadge } from '@/components/ui/key-bound-badge';
import { PageHeader } from '@/components/ui/page-header';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { requireUser } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listActiveGrantsOfUser } from '@/lib/server/db/grants';
import { listLivePersonalTokensOfUser } from '@/lib/server/db/personal-tokens';
import { describeWorkspaces } from '@/lib/server/db/users';
import { getOAuthContext } from '@/lib/server/oauth/provider';
import { CreateTokenForm } from './create-token-form';
import { GrantWorkspaces } from './grant-workspaces-form';
import { RevokeGrantButton, RevokeTokenButton } from './revoke-buttons';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requireUser();
  const app = getAppContext();
  const [grants, tokens, workspaceKeys] = await Promise.all([
    listActiveGrantsOfUser(app.db, user.id),
    listLivePersonalTokensOfUser(app.db, user.id),
    getOAuthContext(app).store.listUserWorkspaces(user.id),
  ]);
  const current = new Set(workspaceKeys);
  const [workspaces, sharedNames] = await Promise.all([
    describeWorkspaces(app.db, workspaceKeys),
    describeWorkspaces(app.db, [...new Set(grants.flatMap((g) => g.workspaceKeys))]),
  ]);
  const nameOf = new Map(sharedNames.map((w) => [w.key, w.name]));
  const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'never');
  const rows: [string, string][] = [
    ['Email', user.email],
    ['Username', user.username],
    ['Role', user.isAdmin ? 'Administrator' : 'Member'],
    ['Signed in via', user.createdVia.replace('_', ' ')],
    ['Member since', user.createdAt.toISOString().slice(0, 10)],
  ];
  return (
    <div>
      <PageHeader title="Your account" description="Who Gatehouse knows you as, and what you allowed to act for you." />
      <Card title="Profile">
        <dl className="grid grid-cols-[10rem_1fr] gap-y-2 text-sm">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-slate-500">{label}</dt>
              <dd className="text-slate-900" data-testid={`profile-${label.toLowerCase().replaceAll(' ', '-')}`}>{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <div className="mt-6">
        <Card title="Applications you allowed">
          {grants.length === 0 ? (
            <EmptyState title="No applications yet">When you allow an MCP client on a consent page, it appears here, and you can revoke it.</EmptyState>
          ) : (
            <table className="w-full text-left text-sm" aria-label="Applications you allowed">
              <TableHead cellClassName="py-1 font-medium" columns={['Application', 'May', 'Shared workspaces', 'Allowed', 'Last used', ACTIONS_COLUMN]} />
              <tbody>
                {grants.map((g) => (
                  <tr key={g.id} className="border-t border-slate-100 align-top" data-testid="grant-row">
                    <td className="py-2">
                      <span className="font-medium text-slate-900">{g.clientName}</span>
                      {g.clientSource !== 'admin' ? <span className="ml-1 rounded bg-amber-100 px-1 text-xs text-amber-900">unverified</span> : null}
                      {g.keyBound ? <KeyBoundBadge /> : null}
                      <span className="block break-all font-mono text-xs text-slate-500">{g.clientId}</span>
                      {g.resource ? <span className="block break-all text-xs text-slate-500">for {g.resource}</span> : null}
                    </td>
                    <td className="py-2 font-mono text-xs">{g.scope.join(' ') || '—'}</td>
                    <td className="py-2">
                      <GrantWorkspaces
                        grantId={g.id}
                        clientName={g.clientName}
                        shared={g.workspaceKeys.map((key) => ({ key, name: nameOf.get(key) ?? key, current: current.has(key) }))}
                        mine={workspaces}
                      />
                    </td>
                    <td className="py-2 whitespace-nowrap text-slate-600">{day(g.createdAt)}</td>
                    <td className="py-2 whitespace-nowrap text-slate-600">{day(g.lastUsedAt)}</td>
                    <td className="py-2 text-right"><RevokeGrantButton grantId={g.id} clientName={g.clientName} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <div className="mt-6">
        <Card title="Personal tokens">
          <p className="mb-4 text-sm text-slate-600">For scripts and tools that call MCP servers as you, without a consent page. Each reaches only the workspaces and tools you pick, and never more than you have.</p>
          <CreateTokenForm workspaces={workspaces} />
          <div className="mt-6">
            {tokens.length === 0 ? (
              <EmptyState title="No personal tokens">Tokens you create appear here, with when they were last used.</EmptyState>
            ) : (
              <table className="w-full text-left text-sm" aria-label="Personal tokens">
                <TableHead cellClassName="py-1 font-medium" columns={['Name', 'Token', 'Workspaces', 'Tools', 'Expires', 'Last used', ACTIONS_COLUMN]} />
                <tbody>
                  {tokens.map((t) => (
                    <tr key={t.id} className="border-t border-slate-100 align-top" data-testid="token-row">
                      <td className="py-2 font-medium text-slate-900">{t.name}</td>
                      <td className="py-2 font-mono text-xs">{t.prefix}…</td>
                      <td className="py-2 text-xs">{t.workspaceKeys.join(', ') || 'none'}</td>
                      <td className="py-2 font-mono text-xs">{t.tools.join(' ')}</td>
                      <td className="py-2 whitespace-nowrap text-slate-600">{t.expiresAt ? day(t.expiresAt) : 'never'}</td>
                      <td className="py-2 whitespace-nowrap text-slate-600">{day(t.lastUsedAt)}</td>
                      <td className="py-2 text-right"><RevokeTokenButton tokenId={t.id} name={t.name} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </Card>
      </div>
    </div>
  );
}
