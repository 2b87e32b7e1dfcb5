// Next.js hands pages `searchParams` whose values may repeat; list pages read the first of each.
export type TSearchParams = Promise<Record<string, string | string[] | undefined>>;

export function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
}
