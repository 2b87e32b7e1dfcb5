// Clients: search and page through every OAuth client, see which
// are MCP clients registering again and again, create one, prune unused ones.
import type { Metadata } from 'next';
import Link from 'next/link';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { countPendingClients, decodeGroupKey, listBlockedClientDocuments, listClientsPage } from '@/lib/server/db/clients';
import { listScopeNames } from '@/lib/server/db/scope-names';
import { CLIENTS_PAGE_SIZE, parseClientListParams, toListParams } from './list-params';
import { BlockedDocuments, ClientsList, CreateClientForm, PruneClientsForm } from './page-client';

export const metadata: Metadata = { title: 'Clients' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function idleText(seconds: number | null): string {
  if (!seconds) return '30d';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

export default async function ClientsPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const { db, config } = getAppContext();
  const raw = await searchParams;
  const params = parseClientListParams(raw);
  const { after, ...filter } = params;
  const approvalRequired = config.registration === 'approval';
  const [page, scopes, pending, blocked] = await Promise.all([
    listClientsPage(db, filter, { after, limit: CLIENTS_PAGE_SIZE }),
    listScopeNames(db),
    approvalRequired ? countPendingClients(db) : 0,
    listBlockedClientDocuments(db),
  ]);
  const group = filter.group ? decodeGroupKey(filter.group) : null;
  const listParams = toListParams(params);
  return (
    <div className="space-y-6">
      <PageHeader title="Clients" description="Applications that may ask users for access, and resource servers that introspect tokens." />
      {raw.notice === 'deleted' || raw.notice === 'deleted-blocked' ? (
        <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900">
          The client was deleted, with its grants and tokens.{raw.notice === 'deleted-blocked' ? ' Its metadata document URL is blocked until you unblock it below.' : ''}
        </p>
      ) : null}
      {pending > 0 && filter.status !== 'pending' ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="pending-notice">
          {pending} self-registered client{pending === 1 ? ' is' : 's are'} waiting for an administrator’s approval (GATEHOUSE_REGISTRATION=approval).{' '}
          <Link href="/admin/clients?status=pending" className="font-medium underline">Show {pending === 1 ? 'it' : 'them'}</Link>
        </p>
      ) : null}
      <Card title="Clients">
        {filter.group ? (
          <p className="mb-4 rounded-md bg-indigo-50 p-3 text-sm text-indigo-900">
            {group ? `Registrations named “${group.name}” with the same redirect URIs. ` : 'That group link is not valid. '}
            <Link href="/admin/clients" className="font-medium underline">Show all clients</Link>
          </p>
        ) : null}
        <ClientsList key={JSON.stringify(listParams)} initialParams={listParams} initialPage={page} approvalRequired={approvalRequired} />
      </Card>
      {blocked.length ? (
        <Card title="Blocked metadata documents">
          <BlockedDocuments documents={blocked} />
        </Card>
      ) : null}
      <Card title="New client">
        <CreateClientForm scopes={scopes} />
      </Card>
      <Card title="Prune unused dynamic clients">
        <PruneClientsForm defaultIdle={idleText(config.dynamicClientMaxIdle)} automatic={config.dynamicClientMaxIdle ? idleText(config.dynamicClientMaxIdle) : null} />
      </Card>
    </div>
  );
}
