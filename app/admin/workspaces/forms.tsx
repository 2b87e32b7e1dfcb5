'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useActionState, useEffect } from 'react';
import { ResultMessage } from '@/components/ui/result-message';
import { createWorkspaceAction, renameWorkspaceAction, type TWorkspaceFormState } from './actions';

const input = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm';

/** The list shows a change as soon as it is made. */
function useRefreshListOnSuccess(state: TWorkspaceFormState | null): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (state?.ok) void queryClient.invalidateQueries({ queryKey: ['workspaces'] });
  }, [state, queryClient]);
}

export function CreateWorkspaceForm() {
  const [state, action, pending] = useActionState<TWorkspaceFormState | null, FormData>(createWorkspaceAction, null);
  useRefreshListOnSuccess(state);
  const values = state?.values ?? { key: '', name: '' };
  return (
    <form key={JSON.stringify(state)} action={action} className="grid gap-3 sm:grid-cols-3" aria-label="Create a workspace">
      <div>
        <label htmlFor="ws-key" className="text-sm font-medium text-slate-800">Key</label>
        <input id="ws-key" name="key" defaultValue={values.key} required aria-describedby="ws-key-help" className={`${input} font-mono`} />
        <p id="ws-key-help" className="mt-1 text-xs text-slate-500">What resource servers see; it never changes.</p>
        {state?.fieldErrors?.key ? <p className="mt-1 text-xs text-red-700">{state.fieldErrors.key}</p> : null}
      </div>
      <div>
        <label htmlFor="ws-name" className="text-sm font-medium text-slate-800">Name</label>
        <input id="ws-name" name="name" defaultValue={values.name} required className={input} />
        {state?.fieldErrors?.name ? <p className="mt-1 text-xs text-red-700">{state.fieldErrors.name}</p> : null}
      </div>
      <div className="flex items-end">
        <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
          {pending ? 'Creating…' : 'Create workspace'}
        </button>
      </div>
      <ResultMessage result={state} className="text-sm sm:col-span-3" okClassName="text-emerald-700" />
    </form>
  );
}

export function RenameWorkspaceForm({ id, name }: { id: string; name: string }) {
  const [state, action, pending] = useActionState<TWorkspaceFormState | null, FormData>(renameWorkspaceAction, null);
  useRefreshListOnSuccess(state);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <label htmlFor={`rename-${id}`} className="sr-only">Name</label>
      <input id={`rename-${id}`} name="name" defaultValue={name} required className="w-44 rounded-md border border-slate-300 px-2 py-1 text-sm" />
      <button type="submit" disabled={pending} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50">Rename</button>
      {state && !state.ok ? <span role="status" className="text-xs text-red-700">{state.message}</span> : null}
    </form>
  );
}
