'use server';
// Tokens & grants actions: each re-checks the admin and validates its input;
// failures come back as messages for the page, never as thrown errors.
import { z } from 'zod';
import type { TKeysetPage, TListParams } from '@/components/admin/keyset-list';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { TOKEN_TYPES } from '@/lib/server/db/token-kinds';
import { listTokens, resolveOwner } from '@/lib/server/db/tokens-admin';
import { previewBulkRevocation, revokeAllOf, revokeOne, type RevocationCounts } from '@/lib/server/db/tokens-revoke';
import { describeCounts, toTokenRowView, ZTokenListParamsSchema, type TTokenListExtras, type TTokenRowView } from './view';

export type TTokensPage = TKeysetPage<TTokenRowView> & TTokenListExtras;

export async function fetchTokensPageAction(params: TListParams): Promise<TTokensPage> {
  await requireAdmin();
  const { after, ...filter } = ZTokenListParamsSchema.parse(params);
  const page = await listTokens(getAppContext().db, filter, { after });
  return {
    rows: page.rows.map(toTokenRowView),
    next: page.next,
    partial: page.partial,
    resolved: page.resolved.search.length ? page.resolved.search : [],
    unresolved: page.unresolved,
  };
}

export type TRevokeResult = { ok: boolean; message: string };

const ZRevokeOneSchema = z.object({ type: z.enum(TOKEN_TYPES), id: z.string().trim().min(1).max(200) });

export async function revokeTokenAction(input: { type: string; id: string }): Promise<TRevokeResult> {
  const admin = await requireAdmin();
  const parsed = ZRevokeOneSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'That token could not be found.' };
  const revoked = await revokeOne(getAppContext().db, parsed.data.type, parsed.data.id, { type: 'user', id: admin.id, label: admin.email });
  return revoked ? { ok: true, message: 'Revoked. Introspection answers inactive from now on.' } : { ok: false, message: 'Nothing to revoke: it is already revoked, or gone.' };
}

const ZBulkSchema = z.object({
  owner: z.enum(['user', 'client', 'team']),
  value: z.string().trim().min(1, 'Name a user, client or team').max(200, 'At most 200 characters'),
});

export type TBulkPreview = {
  ok: boolean;
  message: string;
  fieldErrors?: Partial<Record<'value', string>>;
  target?: { owner: 'user' | 'client' | 'team'; id: string; label: string };
  counts?: RevocationCounts;
};

const OWNER_WORD = { user: 'user (id, email or username)', client: 'client (client_id, id or a unique name)', team: 'team (id or name)' } as const;

export async function previewBulkRevokeAction(input: { owner: string; value: string }): Promise<TBulkPreview> {
  await requireAdmin();
  const parsed = ZBulkSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Check the field below.', fieldErrors: { value: parsed.error.issues[0].message } };
  const { db } = getAppContext();
  const target = await resolveOwner(db, parsed.data.owner, parsed.data.value);
  if (!target) return { ok: false, message: 'Check the field below.', fieldErrors: { value: `No single ${OWNER_WORD[parsed.data.owner]} matches` } };
  const counts = await previewBulkRevocation(db, { owner: parsed.data.owner, id: target.id });
  return { ok: true, message: `This will revoke ${describeCounts(counts)} of ${target.label}.`, target: { owner: parsed.data.owner, ...target }, counts };
}

const ZBulkConfirmSchema = z.object({ owner: z.enum(['user', 'client', 'team']), id: z.string().min(1).max(200) });

export async function bulkRevokeAction(input: { owner: string; id: string }): Promise<TBulkPreview> {
  const admin = await requireAdmin();
  const parsed = ZBulkConfirmSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Preview the revocation again.' };
  const counts = await revokeAllOf(getAppContext().db, parsed.data, { type: 'user', id: admin.id, label: admin.email });
  return { ok: true, message: `Revoked ${describeCounts(counts)}.`, counts };
}
