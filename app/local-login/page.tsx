import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getAppContext } from '@/lib/server/context';
import { LocalLoginForm, SingleSignOnButton } from './page-client';

export const metadata: Metadata = { title: 'Sign in' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A callback inside Gatehouse only: sign-in never sends anyone elsewhere. */
function safeCallback(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith('/') && !v.startsWith('//') ? v : '/';
}

/**
 * Where next-auth sends people to sign in: direct OIDC sign-in (when there is no
 * oauth2-proxy) and the break-glass local login, whichever are configured.
 */
export default async function LocalLoginPage({ searchParams }: { searchParams: SearchParams }) {
  const { config } = getAppContext();
  if (!config.localLogin && !config.oidc) notFound();
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  return (
    <div className="mx-auto max-w-sm">
      {config.oidc ? (
        <div className="mb-8">
          <h1 className="text-xl font-semibold text-slate-900">Sign in</h1>
          <p className="mt-1 text-sm text-slate-600">Use your organization’s single sign-on.</p>
          <SingleSignOnButton callbackUrl={callbackUrl} />
        </div>
      ) : null}
      {config.localLogin ? (
        <>
          <h2 className="text-xl font-semibold text-slate-900">Administrator sign-in</h2>
          <p className="mt-1 text-sm text-slate-600">
            Break-glass access for when single sign-on is unavailable. Everyone else signs in through the organization’s SSO.
          </p>
          <LocalLoginForm callbackUrl={callbackUrl} />
        </>
      ) : null}
    </div>
  );
}
