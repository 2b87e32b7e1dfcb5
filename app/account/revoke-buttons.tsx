'use client';

import { useActionState, useState } from 'react';
import { ResultMessage } from '@/components/ui/result-message';
import { revokeGrantAction, revokePersonalTokenAction, type TActionResult } from './actions';

type RevokeAction = (previous: TActionResult | null, form: FormData) => Promise<TActionResult>;

/** Revoking is destructive: a first click explains what happens, a second one confirms. */
function RevokeButton({ action: serverAction, field, id, name, consequence }: { action: RevokeAction; field: string; id: string; name: string; consequence: string }) {
  const [result, action, pending] = useActionState<TActionResult | null, FormData>(serverAction, null);
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" onClick={() => setConfirming(true)} className="rounded-md border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50">
        Revoke<span className="sr-only"> {name}</span>
      </button>
    );
  }
  return (
    <form action={action} className="flex flex-col items-end gap-2" aria-label={`Revoke ${name}`}>
      <input type="hidden" name={field} value={id} />
      <p className="max-w-[16rem] text-right text-xs text-slate-700">{consequence}</p>
      <span className="flex gap-2">
        <button type="submit" disabled={pending} className="rounded-md bg-red-700 px-3 py-1 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60">
          {pending ? 'Revoking…' : 'Confirm revoke'}
        </button>
        <button type="button" onClick={() => setConfirming(false)} className="rounded-md border border-slate-300 px-3 py-1 text-sm">Cancel</button>
      </span>
      <ResultMessage result={result} className="mt-1 text-xs" errorsOnly />
    </form>
  );
}

export function RevokeGrantButton({ grantId, clientName }: { grantId: string; clientName: string }) {
  return <RevokeButton action={revokeGrantAction} field="grantId" id={grantId} name={clientName} consequence={`${clientName} loses access at once and will have to ask you again.`} />;
}

export function RevokeTokenButton({ tokenId, name }: { tokenId: string; name: string }) {
  return <RevokeButton action={revokePersonalTokenAction} field="tokenId" id={tokenId} name={name} consequence={`Anything using “${name}” stops working at once.`} />;
}
