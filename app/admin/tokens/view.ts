// What the tokens page and its actions exchange: the URL parameters (validated
// once, here) and a row as the browser sees it (dates as ISO text, no secrets).
import { z } from 'zod';
import { TOKEN_STATUSES, TOKEN_TYPES, type TokenStatus, type TokenType } from '@/lib/server/db/token-kinds';
import type { TokenListRow } from '@/lib/server/db/tokens-admin';
import type { RevocationCounts } from '@/lib/server/db/tokens-revoke';

const text = z.string().trim().max(200).optional().catch(undefined).transform((v) => v || undefined);

export const ZTokenListParamsSchema = z.object({
  type: z.enum(TOKEN_TYPES).optional().catch(undefined),
  status: z.enum(TOKEN_STATUSES).optional().catch(undefined),
  user: text,
  client: text,
  team: text,
  q: text,
  after: z.string().max(512).optional().catch(undefined),
});

export type TTokenListParams = z.infer<typeof ZTokenListParamsSchema>;

export type TTokenRowView = {
  type: TokenType;
  id: string;
  status: TokenStatus;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  lastUsedAt: string | null;
  revokedReason: string | null;
  detail: string | null;
  prefix: string | null;
  scope: string;
  user: string | null;
  client: { name: string; clientId: string } | null;
  team: string | null;
  graceRetries: number;
  lastRetryAt: string | null;
  familyRevoked: boolean;
  keyBound: boolean;
};

export type TTokenListExtras = { partial: boolean; resolved: string[]; unresolved: string[] };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toTokenRowView(r: TokenListRow): TTokenRowView {
  return {
    type: r.type,
    id: r.id,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    expiresAt: iso(r.expiresAt),
    revokedAt: iso(r.revokedAt),
    rotatedAt: iso(r.rotatedAt),
    lastUsedAt: iso(r.lastUsedAt),
    revokedReason: r.revokedReason,
    detail: r.detail,
    prefix: r.prefix,
    scope: r.scope.join(' '),
    user: r.user?.email ?? null,
    client: r.client ? { name: r.client.name, clientId: r.client.clientId } : null,
    team: r.team?.name ?? null,
    graceRetries: r.reuse?.graceRetries ?? 0,
    lastRetryAt: iso(r.reuse?.lastRetryAt ?? null),
    familyRevoked: r.reuse?.familyRevoked ?? false,
    keyBound: r.keyBound,
  };
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

export function describeCounts(c: RevocationCounts): string {
  const parts = [
    plural(c.grants, 'grant', 'grants'),
    plural(c.refreshTokens, 'refresh token', 'refresh tokens'),
    plural(c.accessTokens, 'access token', 'access tokens'),
    plural(c.personalTokens, 'personal token', 'personal tokens'),
  ];
  if (c.teamTokens) parts.push(plural(c.teamTokens, 'team token', 'team tokens'));
  return parts.join(', ');
}
