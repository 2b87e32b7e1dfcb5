'use client';

import { useActionState } from 'react';
import { revokeGrantAction, type TActionResult } from './actions';

/** Revoking is destructive: the button asks once more before it acts. */
export function RevokeGrantButton({ grantId, clientName }: { grantId: string; clientName: string }) {
  const [result, action, pending] = useActionState<TActionResult | null, FormData>(revokeGrantAction, null);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!window.confirm(`Revoke the access of ${clientName}? It will have to ask you again.`)) event.preventDefault();
      }}
    >
      <input type="hidden" name="grantId" value={grantId} />
      <button type="submit" disabled={pending} className="rounded-md border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60">
        {pending ? 'Revoking…' : 'Revoke'}
      </button>
      {result ? (
        <p role="status" className={`mt-1 text-xs ${result.ok ? 'text-emerald-700' : 'text-red-700'}`}>{result.message}</p>
      ) : null}
    </form>
  );
}
