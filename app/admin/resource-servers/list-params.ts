// The resource-server list's URL parameters and row shape, shared by the page
// (first page, on the server) and the action that fetches the next ones.
import { z } from 'zod';
import type { ResourceServerView } from '@/lib/server/db/resource-servers';

export const RESOURCE_SERVER_PAGE_SIZE = 25;

export const ZResourceServerListParamsSchema = z.object({
  q: z.string().trim().max(200).catch(''),
  after: z.string().max(512).catch(''),
});

export type TResourceServerRow = { id: string; url: string; name: string; scopes: string[]; updatedAt: string };

export const toResourceServerRow = (r: ResourceServerView): TResourceServerRow => ({ id: r.id, url: r.url, name: r.name, scopes: r.scopes, updatedAt: r.updatedAt.toISOString() });
