'use client';

import { useActionState } from 'react';
import { revokeGrantAction, revokePersonalTokenAction, type TActionResult } from './actions';

type RevokeAction = (previous: TActionResult | null, form: FormData) => Promise<TActionResult>;

/** Revoking is destructive: the button asks once more before it acts. */
function RevokeButton({ action: serverAction, field, id, question }: { action: RevokeAction; field: string; id: string; question: string }) {
  const [result, action, pending] = useActionState<TActionResult | null, FormData>(serverAction, null);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!window.confirm(question)) event.preventDefault();
      }}
    >
      <input type="hidden" name={field} value={id} />
      <button type="submit" disabled={pending} className="rounded-md border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60">
        {pending ? 'Revoking…' : 'Revoke'}
      </button>
      {result && !result.ok ? <p role="status" className="mt-1 text-xs text-red-700">{result.message}</p> : null}
    </form>
  );
}

export function RevokeGrantButton({ grantId, clientName }: { grantId: string; clientName: string }) {
  return <RevokeButton action={revokeGrantAction} field="grantId" id={grantId} question={`Revoke the access of ${clientName}? It will have to ask you again.`} />;
}

export function RevokeTokenButton({ tokenId, name }: { tokenId: string; name: string }) {
  return <RevokeButton action={revokePersonalTokenAction} field="tokenId" id={tokenId} question={`Revoke the token “${name}”? Anything using it stops working at once.`} />;
}
