// Tokens & grants: every grant and token in one list, searchable and
// filtered through the URL; revoke one, or everything of a user, client or team.
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listTokens } from '@/lib/server/db/tokens-admin';
import { TokensPageClient } from './page-client';
import { toTokenRowView, ZTokenListParamsSchema } from './view';

export const metadata: Metadata = { title: 'Tokens & grants' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function TokensPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const raw = await searchParams;
  const params = ZTokenListParamsSchema.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])));
  const { after, ...filter } = params;
  const page = await listTokens(getAppContext().db, filter, { after });
  const initialParams = Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])));
  return (
    <div className="space-y-6">
      <PageHeader
        title="Tokens & grants"
        description="Grants, refresh, access, personal and team tokens, newest first. Revoking takes effect at once: introspection answers inactive on the next request."
      />
      <TokensPageClient
        initialParams={initialParams}
        initialPage={{ rows: page.rows.map(toTokenRowView), next: page.next, partial: page.partial, resolved: page.resolved.search, unresolved: page.unresolved }}
      />
    </div>
  );
}
