'use client';

import { useActionState } from 'react';
import { retireKeysAction, rotateKeyAction, type TKeyActionResult } from './actions';

export function KeyActions() {
  const [rotated, rotate, rotating] = useActionState<TKeyActionResult | null>(rotateKeyAction, null);
  const [retired, retire, retiring] = useActionState<TKeyActionResult | null>(retireKeysAction, null);
  const result = rotated ?? retired;
  return (
    <div className="flex flex-wrap items-start gap-3">
      <form
        action={rotate}
        onSubmit={(event) => {
          if (!window.confirm('Start signing with a new key? The current key keeps verifying the tokens it signed.')) event.preventDefault();
        }}
      >
        <button type="submit" disabled={rotating} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
          {rotating ? 'Rotating…' : 'Rotate key'}
        </button>
      </form>
      <form action={retire}>
        <button type="submit" disabled={retiring} className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60">
          {retiring ? 'Retiring…' : 'Retire expired keys'}
        </button>
      </form>
      {result ? <p role="status" className="w-full text-sm text-slate-700">{result.message}</p> : null}
    </div>
  );
}
