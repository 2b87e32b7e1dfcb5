'use client';
// Keyset-paged, searchable lists. The page's search and filters live
// in the URL (shareable, survive reload); the server renders the first page and
// TanStack Query fetches the rest through a server action that re-checks the admin.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';

export type TKeysetPage<TRow> = { rows: TRow[]; next: string | null };
export type TListParams = Record<string, string>;

type Options<TRow> = {
  /** Query-key root, e.g. 'clients'; invalidate it after a mutation. */
  name: string;
  fetchPage: (params: TListParams) => Promise<TKeysetPage<TRow>>;
  /** The params the server rendered with, and the page it rendered. */
  initialParams: TListParams;
  initialPage: TKeysetPage<TRow>;
};

function writeUrl(params: TListParams, mode: 'push' | 'replace'): void {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  const url = `${window.location.pathname}${search ? `?${search}` : ''}`;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

export function useKeysetList<TRow>({ name, fetchPage, initialParams, initialPage }: Options<TRow>) {
  const [params, setParams] = useState<TListParams>(initialParams);
  // Cursors of the pages before this one, so "Previous" needs no reverse query.
  const [previous, setPrevious] = useState<string[]>([]);
  const initialKey = useRef(JSON.stringify(initialParams));
  // The search box calls update() from a debounced timer set up in an earlier
  // render; reading the params through a ref keeps a filter changed meanwhile.
  const latestParams = useRef(params);
  latestParams.current = params;
  const query = useQuery({
    queryKey: [name, params],
    queryFn: () => fetchPage(params),
    initialData: JSON.stringify(params) === initialKey.current ? initialPage : undefined,
    placeholderData: keepPreviousData,
  });

  function update(change: TListParams): void {
    // A new search or filter starts again from the first page.
    const nextParams = { ...latestParams.current, ...change, after: '' };
    setPrevious([]);
    setParams(nextParams);
    writeUrl(nextParams, 'replace');
  }
  function goNext(): void {
    const next = query.data?.next;
    if (!next) return;
    setPrevious((stack) => [...stack, params.after ?? '']);
    const nextParams = { ...params, after: next };
    setParams(nextParams);
    writeUrl(nextParams, 'push');
  }
  function goPrevious(): void {
    const stack = [...previous];
    const after = stack.pop() ?? '';
    setPrevious(stack);
    const nextParams = { ...params, after };
    setParams(nextParams);
    writeUrl(nextParams, 'replace');
  }
  return {
    params,
    update,
    rows: query.data?.rows ?? [],
    /** The whole page as fetchPage returned it, for lists whose pages carry more than rows. */
    page: query.data,
    hasNext: Boolean(query.data?.next),
    hasPrevious: Boolean(params.after),
    goNext,
    goPrevious,
    isFetching: query.isFetching,
    error: query.error ? 'The list could not be loaded. Try again.' : null,
  };
}

/** A labelled search box that updates the list as you type (debounced). */
export function ListSearch({ id, label, placeholder, value, onSearch }: { id: string; label: string; placeholder?: string; value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(() => onSearch(text.trim()), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return (
    <form role="search" onSubmit={(e) => { e.preventDefault(); onSearch(text.trim()); }} className="flex items-center gap-2">
      <label htmlFor={id} className="sr-only">{label}</label>
      <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder={placeholder ?? label} className="w-72 rounded-md border border-slate-300 px-3 py-1.5 text-sm" />
    </form>
  );
}

/** Previous / Next with the fetch state announced to screen readers. */
export function ListPager({ list, label }: { list: { hasNext: boolean; hasPrevious: boolean; goNext: () => void; goPrevious: () => void; isFetching: boolean; error: string | null }; label: string }) {
  return (
    <nav aria-label={`${label} pages`} className="mt-4 flex items-center justify-between text-sm">
      <span role="status" aria-live="polite" className={list.error ? 'text-red-700' : 'text-slate-500'}>
        {list.error ?? (list.isFetching ? 'Loading…' : '')}
      </span>
      <span className="flex gap-2">
        <button type="button" onClick={list.goPrevious} disabled={!list.hasPrevious} className="rounded-md border border-slate-300 px-3 py-1 disabled:opacity-40">Previous</button>
        <button type="button" onClick={list.goNext} disabled={!list.hasNext} className="rounded-md border border-slate-300 px-3 py-1 disabled:opacity-40">Next</button>
      </span>
    </nav>
  );
}

/** The table wrapper: busy while a page loads, so assistive tech knows. */
export function ListTable({ label, busy, children }: { label: string; busy: boolean; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label} aria-busy={busy}>
        {children}
      </table>
    </div>
  );
}
