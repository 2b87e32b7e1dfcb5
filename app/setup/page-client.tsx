'use client';

import Link from 'next/link';
import { signIn } from 'next-auth/react';
import { useEffect, useState, type FormEvent } from 'react';
import type { FirstAdminResult } from '@/lib/server/users/first-admin-setup';
import { createFirstAdminAction } from './actions';

type Failure = Extract<FirstAdminResult, { ok: false }>;

/** The token travels in the link's fragment (never sent with a request, so never in an access log); read once, then dropped from the address bar. */
function useSetupToken(): string | null | undefined {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    const value = new URLSearchParams(window.location.hash.slice(1)).get('token');
    setToken(value);
    if (value) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  return token;
}

function Field({ id, label, type, autoComplete, error, hint }: { id: string; label: string; type: string; autoComplete: string; error?: string; hint?: string }) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">{label}</label>
      <input id={id} name={id} type={type} autoComplete={autoComplete} required aria-invalid={error ? true : undefined} aria-describedby={described} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
      {hint ? <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">{hint}</p> : null}
      {error ? <p id={`${id}-error`} className="mt-1 text-xs text-red-700">{error}</p> : null}
    </div>
  );
}

export function SetupForm() {
  const token = useSetupToken();
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    form.set('token', token ?? '');
    setPending(true);
    setFailure(null);
    const result = await createFirstAdminAction(form);
    if (!result.ok) {
      setPending(false);
      setFailure(result);
      return;
    }
    // Signed in with the password just chosen, as /local-login would.
    const signedIn = await signIn('local', { email: result.email, password: String(form.get('password')), redirect: false, callbackUrl: '/admin' });
    window.location.assign(signedIn && !signedIn.error ? '/admin' : '/local-login?callbackUrl=/admin');
  }

  if (token === undefined) return null;
  if (!token) {
    return (
      <p role="alert" className="mt-6 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
        Open this page with the one-time link the server printed when it started (<code>…/setup#token=…</code>). No link at hand? Restart the server for a new one, or
        create an administrator with <code>npx gatehouse admin create</code>. Already set up? <Link className="text-indigo-700 underline" href="/local-login?callbackUrl=/admin">Sign in</Link>.
      </p>
    );
  }
  return (
    <form onSubmit={onSubmit} className="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm" noValidate>
      <Field id="email" label="Email" type="email" autoComplete="username" error={failure?.fieldErrors?.email} />
      <Field id="password" label="Password" type="password" autoComplete="new-password" error={failure?.fieldErrors?.password} hint="At least 12 characters." />
      <Field id="confirm" label="Password again" type="password" autoComplete="new-password" error={failure?.fieldErrors?.confirm} />
      {failure ? (
        <p role="alert" data-testid="setup-error" className="rounded-md bg-red-50 p-2 text-sm text-red-800">{failure.message}</p>
      ) : null}
      <button type="submit" disabled={pending} className="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {pending ? 'Creating…' : 'Create administrator and sign in'}
      </button>
    </form>
  );
}
