import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getAppContext } from '@/lib/server/context';
import { administratorExists } from '@/lib/server/db/setup-token';
import { SetupForm } from './page-client';

export const metadata: Metadata = { title: 'Set up' };

/**
 * First run: the person holding the one-time link the server printed creates
 * the first (break-glass) administrator here. Gone once an administrator exists.
 */
export default async function SetupPage() {
  const { config, db } = getAppContext();
  if (!config.localLogin) notFound();
  if (await administratorExists(db)) {
    return (
      <div className="mx-auto max-w-md">
        <h1 className="text-xl font-semibold text-slate-900">Gatehouse is set up</h1>
        <p className="mt-2 text-slate-700">
          An administrator exists already, so this page has nothing left to do. <Link className="text-indigo-700 underline" href="/local-login?callbackUrl=/admin">Sign in</Link> instead.
        </p>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-xl font-semibold text-slate-900">Create the first administrator</h1>
      <p className="mt-2 text-sm text-slate-600">
        This administrator signs in with a password at <code className="rounded bg-slate-100 px-1">/local-login</code> — the break-glass access that works even
        when single sign-on does not. The link you opened works once, for 15 minutes after the server started.
      </p>
      <SetupForm />
    </div>
  );
}
