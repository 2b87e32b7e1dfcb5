'use client';
// One button that runs a server action on a record, with its result announced.
// Destructive actions ask first in the page (a second, explicit "Confirm …"
// button and a Cancel), never with window.confirm.
import { useActionState, useEffect, useRef, useState } from 'react';
import { ResultMessage } from '@/components/ui/result-message';
import type { TActionResult } from '@/lib/server/action-result';

export type TFormAction = (previous: TActionResult | null, form: FormData) => Promise<TActionResult>;

const BUTTON = {
  primary: 'rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60',
  neutral: 'rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-50 disabled:opacity-60',
  danger: 'rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60',
  confirm: 'rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60',
} as const;

type Props = {
  action: TFormAction;
  /** Hidden fields naming the record. */
  fields: Record<string, string>;
  label: string;
  /** When set, the first click asks this question and shows "Confirm …". */
  confirm?: { question: string; label: string };
  tone?: 'primary' | 'neutral' | 'danger';
  onResult?: (result: TActionResult) => void;
};

export function ActionForm({ action: serverAction, fields, label, confirm, tone = 'neutral', onResult }: Props) {
  const [result, action, pending] = useActionState<TActionResult | null, FormData>(serverAction, null);
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  useEffect(() => {
    if (result) {
      setAsking(false);
      onResult?.(result);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result]);
  return (
    <form action={action} className="inline-flex flex-col items-start gap-1">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {confirm && asking ? (
        <div role="group" aria-label={confirm.label} className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 p-2">
          <span className="text-sm text-red-900">{confirm.question}</span>
          <button ref={confirmRef} type="submit" disabled={pending} className={BUTTON.confirm}>
            {pending ? 'Working…' : confirm.label}
          </button>
          <button type="button" onClick={() => setAsking(false)} className={BUTTON.neutral}>
            Cancel
          </button>
        </div>
      ) : confirm ? (
        <button type="button" onClick={() => setAsking(true)} className={BUTTON[tone]}>
          {label}
        </button>
      ) : (
        <button type="submit" disabled={pending} className={BUTTON[tone]}>
          {pending ? 'Working…' : label}
        </button>
      )}
      <ResultMessage result={result} />
    </form>
  );
}

/** A secret shown once, with a copy button and the warning that it won't be shown again. */
export function SecretOnce({ label, secret, testId }: { label: string; secret: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm">
      <p className="font-medium text-emerald-900">{label} — copy it now, it will not be shown again.</p>
      <div className="mt-2 flex items-center gap-2">
        <code data-testid={testId} className="break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{secret}</code>
        <button type="button" className={BUTTON.neutral} onClick={() => navigator.clipboard?.writeText(secret).then(() => setCopied(true))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'green' | 'red' | 'indigo' | 'slate' | 'amber'; children: string }) {
  const style = {
    green: 'bg-emerald-100 text-emerald-800',
    red: 'bg-red-100 text-red-800',
    indigo: 'bg-indigo-100 text-indigo-800',
    slate: 'bg-slate-100 text-slate-700',
    amber: 'bg-amber-100 text-amber-900',
  }[tone];
  return <span className={`rounded px-2 py-0.5 text-xs font-medium ${style}`}>{children}</span>;
}

export const buttonClass = BUTTON;
