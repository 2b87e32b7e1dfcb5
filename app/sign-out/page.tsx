import type { Metadata } from 'next';
import Link from 'next/link';
import { SignOutButton } from '@/components/sign-out-button';
import { Card } from '@/components/ui/card';
import { getCurrentUser, getSignOutCsrfToken } from '@/lib/server/auth/current-user';

export const metadata: Metadata = { title: 'Sign out' };

/** GET /sign-out asks; only the POST signs out (a link or an image can't sign anyone out). */
export default async function SignOutPage() {
  const user = await getCurrentUser();
  const csrf = user ? await getSignOutCsrfToken() : null;
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-xl font-semibold text-slate-900">Sign out of Gatehouse?</h1>
        {user && csrf ? (
          <>
            <p className="mt-2 text-slate-600">
              You are signed in as <strong>{user.email}</strong>. Signing out also ends your single sign-on session.
            </p>
            <div className="mt-4">
              <SignOutButton csrf={csrf} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700" />
            </div>
          </>
        ) : (
          <p className="mt-2 text-slate-600">
            You are not signed in. <Link href="/" className="text-indigo-700 underline">Go to the start page</Link>.
          </p>
        )}
      </Card>
    </div>
  );
}
