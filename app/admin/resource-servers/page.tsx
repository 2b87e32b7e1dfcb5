// Resource servers: the MCP servers Gatehouse issues tokens for.
// Once one is registered, a `resource` that is not registered is refused.
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { decodeCursor, encodeCursor } from '@/lib/server/db/keyset';
import { countResourceServers, listResourceServersPage } from '@/lib/server/db/resource-servers';
import { listScopeNames } from '@/lib/server/db/scopes';
import { firstValues, type TSearchParams } from '@/lib/search-params';
import { RESOURCE_SERVER_PAGE_SIZE, ZResourceServerListParamsSchema, toResourceServerRow } from './list-params';
import { ResourceServersPageClient } from './page-client';

export const metadata: Metadata = { title: 'Resource servers' };

export default async function ResourceServersPage({ searchParams }: { searchParams: TSearchParams }) {
  await requireAdmin();
  const { db } = getAppContext();
  const params = ZResourceServerListParamsSchema.parse(firstValues(await searchParams));
  const [page, registered, scopeNames] = await Promise.all([
    listResourceServersPage(db, { q: params.q || undefined, after: decodeCursor(params.after)?.value, limit: RESOURCE_SERVER_PAGE_SIZE }),
    countResourceServers(db),
    listScopeNames(db),
  ]);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Resource servers"
        description="The MCP servers Gatehouse issues tokens for. Their canonical URL is what clients send as resource and what tokens carry as audience."
      />
      <ResourceServersPageClient
        registered={registered}
        scopeNames={scopeNames}
        initialParams={params}
        initialPage={{ rows: page.rows.map(toResourceServerRow), next: page.next ? encodeCursor({ value: page.next, id: page.next }) : null }}
      />
    </div>
  );
}
