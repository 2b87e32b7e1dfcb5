import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { safeReturnTarget } from '@/lib/identity/return-target';
import { getAppContext } from '@/lib/server/context';
import { firstValues, type TSearchParams } from '@/lib/search-params';
import { LocalLoginForm, SingleSignOnButton } from './page-client';

export const metadata: Metadata = { title: 'Sign in' };

/**
 * Where next-auth sends people to sign in: direct OIDC sign-in (when there is no
 * oauth2-proxy) and the break-glass local login, whichever are configured.
 */
export default async function LocalLoginPage({ searchParams }: { searchParams: TSearchParams }) {
  const { config } = getAppContext();
  if (!config.localLogin && !config.oidc) notFound();
  // Back to a page of Gatehouse only: sign-in never sends anyone elsewhere.
  const callbackUrl = safeReturnTarget(firstValues(await searchParams).callbackUrl, new URL(config.issuer).origin);
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
