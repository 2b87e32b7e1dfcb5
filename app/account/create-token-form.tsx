'use client';

import { useActionState, useState } from 'react';
import { createPersonalTokenAction, type TCreateTokenFormState } from './actions';

export function CreateTokenForm({ workspaces }: { workspaces: { key: string; name: string }[] }) {
  const [result, action, pending] = useActionState<TCreateTokenFormState | null, FormData>(createPersonalTokenAction, null);
  const [copied, setCopied] = useState(false);
  const errors = result && !result.ok ? result.fieldErrors : {};
  const values = result?.values ?? { name: '', tools: '*', expiresInDays: '30' };
  const error = (field: keyof typeof errors) =>
    errors[field] ? <p id={`${field}-error`} className="mt-1 text-xs text-red-700">{errors[field]}</p> : null;

  return (
    <div>
      {result?.ok ? (
        <div role="status" className="mb-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm">
          <p className="font-medium text-emerald-900">Your new token — copy it now, it will not be shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="new-token" className="break-all rounded bg-white px-2 py-1 font-mono text-xs">{result.token}</code>
            <button
              type="button"
              className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs"
              onClick={() => navigator.clipboard?.writeText(result.token).then(() => setCopied(true))}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </div>
      ) : null}
      {/* Re-mounted after each answer so an error keeps what was typed (React resets forms after an action). */}
      <form key={JSON.stringify(values)} action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Create a personal token">
        <div>
          <label htmlFor="token-name" className="block text-sm font-medium text-slate-800">Name</label>
          <input id="token-name" name="name" required maxLength={80} defaultValue={values.name} aria-describedby={errors.name ? 'name-error' : undefined} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm" placeholder="Laptop, CI, …" />
          {error('name')}
        </div>
        <div>
          <label htmlFor="token-tools" className="block text-sm font-medium text-slate-800">Tools it may call</label>
          <input id="token-tools" name="tools" defaultValue={values.tools} aria-describedby="tools-help" className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm" />
          <p id="tools-help" className="mt-1 text-xs text-slate-500">Tool names separated by spaces or commas; * for every tool.</p>
          {error('tools')}
        </div>
        <fieldset>
          <legend className="text-sm font-medium text-slate-800">Workspaces it may reach</legend>
          {workspaces.length ? (
            workspaces.map((w) => (
              <div key={w.key} className="mt-1 flex items-center gap-2 text-sm">
                <input id={`pat-ws-${w.key}`} type="checkbox" name="workspace" value={w.key} defaultChecked className="h-4 w-4" />
                <label htmlFor={`pat-ws-${w.key}`}>{w.name}</label>
              </div>
            ))
          ) : (
            <p className="mt-1 text-xs text-slate-500">You have no workspaces yet; the token will reach none until a team gives you one.</p>
          )}
          {error('workspaces')}
        </fieldset>
        <div>
          <label htmlFor="token-expiry" className="block text-sm font-medium text-slate-800">Expires</label>
          <select id="token-expiry" name="expiresInDays" defaultValue={values.expiresInDays} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm">
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="0">never</option>
          </select>
          {error('expiresInDays')}
        </div>
        <div className="sm:col-span-2">
          <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
            {pending ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </div>
  );
}
