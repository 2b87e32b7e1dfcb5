'use client';

import { useActionState, useEffect, useState } from 'react';
import { ResultMessage } from '@/components/ui/result-message';
import { setGrantWorkspacesAction, type TActionResult } from './actions';

/**
 * The workspaces a grant shares, and a form to change them among the user's
 * current workspaces (what the consent page offered).
 */
export function GrantWorkspaces({
  grantId,
  clientName,
  shared,
  mine,
}: {
  grantId: string;
  clientName: string;
  /** What the grant shares, named; `current` false when the user no longer has it. */
  shared: { key: string; name: string; current: boolean }[];
  mine: { key: string; name: string }[];
}) {
  const [result, action, pending] = useActionState<TActionResult | null, FormData>(setGrantWorkspacesAction, null);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (result?.ok) setEditing(false);
  }, [result]);
  const sharedKeys = new Set(shared.map((w) => w.key));
  return (
    <div>
      {shared.length ? (
        <ul className="text-xs" data-testid="grant-workspaces">
          {shared.map((w) => (
            <li key={w.key}>
              {w.name}
              {w.current ? null : <span className="text-slate-600"> (no longer yours)</span>}
            </li>
          ))}
        </ul>
      ) : (
        <span className="text-xs" data-testid="grant-workspaces">none</span>
      )}
      {editing ? (
        <form action={action} className="mt-2 rounded-md border border-slate-200 bg-slate-50 p-2" aria-label={`Workspaces shared with ${clientName}`}>
          <input type="hidden" name="grantId" value={grantId} />
          <fieldset>
            <legend className="text-xs font-medium text-slate-800">Share with {clientName}</legend>
            {mine.length ? (
              mine.map((w) => (
                <div key={w.key} className="mt-1 flex items-center gap-2 text-xs">
                  <input id={`grant-${grantId}-ws-${w.key}`} type="checkbox" name="workspace" value={w.key} defaultChecked={sharedKeys.has(w.key)} className="h-4 w-4" />
                  <label htmlFor={`grant-${grantId}-ws-${w.key}`}>{w.name}</label>
                </div>
              ))
            ) : (
              <p className="mt-1 text-xs text-slate-600">You have no workspaces now.</p>
            )}
          </fieldset>
          <p className="mt-1 text-xs text-slate-600">Access tokens already issued keep their list until they expire (minutes).</p>
          <span className="mt-2 flex gap-2">
            <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-2 py-1 text-xs font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
              {pending ? 'Saving…' : 'Save workspaces'}
            </button>
            <button type="button" onClick={() => setEditing(false)} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs">Cancel</button>
          </span>
        </form>
      ) : (
        <button type="button" onClick={() => setEditing(true)} className="mt-1 text-xs text-indigo-700 underline">
          Change<span className="sr-only"> the workspaces shared with {clientName}</span>
        </button>
      )}
      <ResultMessage result={result} className="mt-1 text-xs" okClassName="text-emerald-700" />
    </div>
  );
}
