// Scopes: what clients may ask for, the words on the consent page,
// the tools each allows, and which are granted by default.
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { decodeCursor, encodeCursor } from '@/lib/server/db/keyset';
import { listScopesPage } from '@/lib/server/db/scopes';
import { firstValues, type TSearchParams } from '@/lib/search-params';
import { SCOPE_PAGE_SIZE, ZScopeListParamsSchema, toScopeRow } from './list-params';
import { ScopesPageClient } from './page-client';

export const metadata: Metadata = { title: 'Scopes' };

export default async function ScopesPage({ searchParams }: { searchParams: TSearchParams }) {
  await requireAdmin();
  const params = ZScopeListParamsSchema.parse(firstValues(await searchParams));
  const page = await listScopesPage(getAppContext().db, { q: params.q || undefined, after: decodeCursor(params.after)?.value, limit: SCOPE_PAGE_SIZE });
  return (
    <div className="space-y-6">
      <PageHeader
        title="Scopes"
        description="What clients may ask for. The description is what people read on the consent page; the tools are what a token with the scope may call. Default scopes are granted when a client asks for none."
      />
      <ScopesPageClient
        initialParams={params}
        initialPage={{ rows: page.rows.map(toScopeRow), next: page.next ? encodeCursor({ value: page.next, id: page.next }) : null }}
      />
    </div>
  );
}
