import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getAppContext } from '@/lib/server/context';
import { LocalLoginForm } from './page-client';

export const metadata: Metadata = { title: 'Administrator sign-in' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A callback inside Gatehouse only: sign-in never sends anyone elsewhere. */
function safeCallback(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith('/') && !v.startsWith('//') ? v : '/';
}

export default async function LocalLoginPage({ searchParams }: { searchParams: SearchParams }) {
  if (!getAppContext().config.localLogin) notFound();
  const params = await searchParams;
  return (
    <div className="mx-auto max-w-sm">
      <h1 className="text-xl font-semibold text-slate-900">Administrator sign-in</h1>
      <p className="mt-1 text-sm text-slate-600">
        Break-glass access for when single sign-on is unavailable. Everyone else signs in through the organization’s SSO.
      </p>
      <LocalLoginForm callbackUrl={safeCallback(params.callbackUrl)} />
    </div>
  );
}
