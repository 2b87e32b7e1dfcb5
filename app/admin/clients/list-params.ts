// The clients list's URL parameters, parsed the same way by the page and by
// the page-fetching action. A malformed value is dropped, not an error.
import { z } from 'zod';

const optional = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

export const ZClientListParams = z.object({
  q: optional(z.string().trim().max(100)),
  source: optional(z.enum(['admin', 'dynamic', 'metadata_document'])),
  status: optional(z.enum(['active', 'disabled', 'pending'])),
  group: optional(z.string().max(8000)),
  after: optional(z.string().max(512)),
});

export type TClientListParams = z.output<typeof ZClientListParams>;

export const CLIENTS_PAGE_SIZE = 25;

/** Empty strings mean "not set" (the list hook writes them for cleared filters). */
export function parseClientListParams(raw: Record<string, unknown>): TClientListParams {
  const cleaned = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]).filter(([, v]) => v !== '' && v !== undefined));
  return ZClientListParams.parse(cleaned);
}

/** Back to the string map the list hook keeps in the URL. */
export function toListParams(params: TClientListParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v)) as Record<string, string>;
}
