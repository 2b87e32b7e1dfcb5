// The scope list's URL parameters and row shape, shared by the page (first
// page, on the server) and the action that fetches the next ones.
import { z } from 'zod';
import type { ScopeView } from '@/lib/server/db/scopes';

export const SCOPE_PAGE_SIZE = 25;

export const ZScopeListParamsSchema = z.object({
  q: z.string().trim().max(100).catch(''),
  after: z.string().max(512).catch(''),
});

export type TScopeRow = { name: string; description: string; tools: string[]; isDefault: boolean; builtIn: boolean; updatedAt: string };

export const toScopeRow = (s: ScopeView): TScopeRow => ({ ...s, updatedAt: s.updatedAt.toISOString() });
