// One team: its token (issue, rotate, revoke; shown once), members
// (add by email, remove, hand ownership over), workspaces (assign, unassign),
// the tools its token may call, and whether it is active.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/admin/action-form';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { findTeamDetail, listWorkspaceChoices } from '@/lib/server/db/teams';
import { AddMemberForm, AssignWorkspaceForm, MemberActions, TeamStatusForm, TeamTokenPanel, ToolsForm, UnassignWorkspaceButton } from './team-forms';

export const metadata: Metadata = { title: 'Team' };

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : 'never');

export default async function TeamPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  const { db } = getAppContext();
  const team = id.length <= 100 ? await findTeamDetail(db, id) : null;
  if (!team) notFound();
  const assigned = new Set(team.workspaces.map((w) => w.id));
  const choices = (await listWorkspaceChoices(db)).filter((w) => !assigned.has(w.id));
  return (
    <div className="space-y-6">
      <p className="text-sm"><Link href="/admin/teams" className="text-indigo-700 underline">← All teams</Link></p>
      <PageHeader title={team.name} description={`Owned by ${team.owner.email}; created ${team.createdAt.toISOString().slice(0, 10)}.`} />
      <div className="flex items-center gap-3" data-testid="team-status">
        {team.active ? <Badge tone="green">active</Badge> : <Badge tone="amber">inactive</Badge>}
        {team.active ? null : <span className="text-sm text-slate-600">Its token is inactive and its workspaces do not count for its members.</span>}
      </div>

      <Card title="Team token">
        <p className="mb-3 text-sm text-slate-600">
          An opaque bearer token for the team as a whole: it reaches the team&apos;s workspaces as they are now. Rotating replaces it at once; the previous token stops working.
        </p>
        <dl className="mb-3 grid grid-cols-[9rem_1fr] gap-y-1 text-sm" data-testid="token-info">
          <dt className="text-slate-600">Current token</dt>
          <dd className="font-mono text-xs">{team.token ? `${team.token.prefix}…` : 'none'}</dd>
          <dt className="text-slate-600">Issued</dt>
          <dd>{team.token ? when(team.token.issuedAt) : '—'}</dd>
          <dt className="text-slate-600">Last used</dt>
          <dd>{team.token ? when(team.token.lastUsedAt) : '—'}</dd>
        </dl>
        <TeamTokenPanel teamId={team.id} hasToken={team.token !== null} />
      </Card>

      <Card title="Members">
        <table className="mb-4 w-full text-left text-sm" aria-label="Members">
          <TableHead columns={['Email', 'Role', 'Since', ACTIONS_COLUMN]} />
          <tbody>
            {team.members.map((m) => (
              <tr key={m.userId} className="border-t border-slate-100" data-testid="member-row">
                <td className="py-2 pr-3">
                  <Link href={`/admin/users/${m.userId}`} className="text-indigo-700 underline">{m.email}</Link>
                  {m.disabled ? <span className="ml-2"><Badge tone="red">disabled</Badge></span> : null}
                </td>
                <td className="py-2 pr-3">{m.role === 'owner' ? <Badge tone="indigo">owner</Badge> : 'member'}</td>
                <td className="py-2 pr-3 whitespace-nowrap">{m.since.toISOString().slice(0, 10)}</td>
                <td className="py-2">{m.role === 'owner' ? <span className="text-xs text-slate-600">The owner stays a member.</span> : <MemberActions teamId={team.id} userId={m.userId} email={m.email} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <AddMemberForm teamId={team.id} />
      </Card>

      <Card title="Workspaces">
        {team.workspaces.length === 0 ? (
          <div className="mb-4"><EmptyState title="No workspaces assigned">Assign one below; the team&apos;s members and token reach it at once.</EmptyState></div>
        ) : (
          <table className="mb-4 w-full text-left text-sm" aria-label="Assigned workspaces">
            <TableHead columns={['Key', 'Name', ACTIONS_COLUMN]} />
            <tbody>
              {team.workspaces.map((w) => (
                <tr key={w.id} className="border-t border-slate-100" data-testid="team-workspace-row">
                  <td className="py-2 pr-3 font-mono text-xs">{w.key}</td>
                  <td className="py-2 pr-3">{w.name}</td>
                  <td className="py-2"><UnassignWorkspaceButton teamId={team.id} workspaceId={w.id} keyName={w.key} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {choices.length === 0 ? (
          <p className="text-sm text-slate-600">
            Every workspace is assigned already. <Link href="/admin/workspaces" className="text-indigo-700 underline">Create a workspace</Link>
          </p>
        ) : (
          <AssignWorkspaceForm teamId={team.id} choices={choices} />
        )}
      </Card>

      <Card title="Tools">
        <ToolsForm teamId={team.id} tools={team.tools === null ? '*' : team.tools.join(' ')} />
      </Card>

      <Card title="Status">
        <TeamStatusForm teamId={team.id} active={team.active} />
      </Card>
    </div>
  );
}
