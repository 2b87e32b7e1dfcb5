// Next.js hands pages `searchParams` whose values may repeat; list pages read the first of each.
export type TSearchParams = Promise<Record<string, string | string[] | undefined>>;

export function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
}

/** The same for input that may not even be an object (a list action's params come from the browser). */
export function firstValuesOf(raw: unknown): Record<string, string | undefined> {
  return firstValues(raw && typeof raw === 'object' ? (raw as Record<string, string | string[] | undefined>) : {});
}
