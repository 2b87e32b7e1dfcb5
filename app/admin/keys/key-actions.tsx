'use client';

import { useActionState, useEffect, useState } from 'react';
import { activateKeyAction, publishKeyAction, retireKeyAction, rotateKeyAction, type TKeyActionResult } from './actions';

const primary = 'rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60';
const secondary = 'rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60';
const danger = 'rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60';

function Result({ result, compact }: { result: TKeyActionResult | null; compact?: boolean }) {
  if (!result) return null;
  return <p role="status" className={`${compact ? 'max-w-[12rem] text-right text-xs' : 'w-full text-sm'} ${result.ok ? 'text-emerald-700' : 'text-red-700'}`}>{result.message}</p>;
}

/** Starting a rotation: publish a key first (staged), or switch at once after a confirmation. */
export function RotationActions({ hasPending }: { hasPending: boolean }) {
  const [published, publish, publishing] = useActionState<TKeyActionResult | null>(publishKeyAction, null);
  const [rotated, rotate, rotating] = useActionState<TKeyActionResult | null>(rotateKeyAction, null);
  const [confirming, setConfirming] = useState(false);
  // Only the latest outcome shows: an earlier one may no longer hold.
  const [latest, setLatest] = useState<TKeyActionResult | null>(null);
  useEffect(() => setLatest(published), [published]);
  useEffect(() => {
    setLatest(rotated);
    setConfirming(false);
  }, [rotated]);
  // "Published, does not sign yet" no longer holds once that key signs or is discarded.
  const shown = latest === published && !hasPending ? null : latest;
  return (
    <div className="flex flex-wrap items-start gap-3">
      <form action={publish}>
        <button type="submit" disabled={publishing || hasPending} className={primary}>{publishing ? 'Publishing…' : 'Publish new key'}</button>
      </form>
      {confirming ? (
        <form action={rotate} className="flex flex-wrap items-center gap-2" aria-label="Rotate immediately">
          <span className="text-sm text-slate-700">A new key signs at once; resource servers with a cached key set refetch it when they see its kid.</span>
          <button type="submit" disabled={rotating} className={danger}>Confirm rotate now</button>
          <button type="button" onClick={() => setConfirming(false)} className={secondary}>Cancel</button>
        </form>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} className={secondary}>Rotate immediately…</button>
      )}
      <Result result={shown} />
    </div>
  );
}

/** Per key: a pending key becomes the signer or is discarded; a retiring key can be retired early. */
export function KeyRowActions({ kid, status, liveTokens, retiresAt }: { kid: string; status: string; liveTokens: number; retiresAt: string | null }) {
  const [activated, activate, activating] = useActionState<TKeyActionResult | null, FormData>(activateKeyAction, null);
  const [retired, retire, retiring] = useActionState<TKeyActionResult | null, FormData>(retireKeyAction, null);
  const [confirm, setConfirm] = useState<'activate' | 'retire' | null>(null);
  const shortKid = `${kid.slice(0, 12)}…`;
  useEffect(() => setConfirm(null), [activated, retired]);
  if (status !== 'pending' && status !== 'retiring') return <Result result={activated ?? retired} compact />;
  return (
    <div className="flex flex-col items-end gap-2">
      {confirm === 'activate' ? (
        <form action={activate} className="flex flex-col items-end gap-2" aria-label={`Make ${shortKid} the signer`}>
          <input type="hidden" name="kid" value={kid} />
          <p className="max-w-xs text-right text-xs text-slate-700">New access tokens will be signed by this key; the current signer keeps verifying its tokens as retiring.</p>
          <span className="flex gap-2">
            <button type="submit" disabled={activating} className={primary}>Confirm make signer</button>
            <button type="button" onClick={() => setConfirm(null)} className={secondary}>Cancel</button>
          </span>
        </form>
      ) : confirm === 'retire' ? (
        <form action={retire} className="flex flex-col items-end gap-2" aria-label={`Retire ${shortKid}`}>
          <input type="hidden" name="kid" value={kid} />
          <p className="max-w-xs text-right text-xs text-slate-700" data-testid="retire-warning">
            {status === 'pending'
              ? 'The key has never signed; it leaves the JWKS.'
              : liveTokens
                ? `Warning: ${liveTokens} access token(s) signed by this key are still live and will stop verifying at once.`
                : retiresAt && new Date(retiresAt) > new Date()
                  ? 'Tokens it signed on another instance may still be live until it retires on its own; they will stop verifying.'
                  : 'No token it signed is still live.'}
          </p>
          <span className="flex gap-2">
            <button type="submit" disabled={retiring} className={danger}>{status === 'pending' ? 'Confirm discard' : 'Confirm retire now'}</button>
            <button type="button" onClick={() => setConfirm(null)} className={secondary}>Cancel</button>
          </span>
        </form>
      ) : (
        <span className="flex gap-2">
          {status === 'pending' ? (
            <button type="button" onClick={() => setConfirm('activate')} className={secondary}>Make signer</button>
          ) : null}
          <button type="button" onClick={() => setConfirm('retire')} className="rounded-md border border-red-300 px-3 py-1.5 text-sm whitespace-nowrap text-red-700 hover:bg-red-50">
            {status === 'pending' ? 'Discard' : 'Retire now'}
          </button>
        </span>
      )}
      <Result result={activated ?? retired} compact />
    </div>
  );
}
