import Link from 'next/link';
import type { User } from '@/lib/server/db/users';
import { SignOutButton } from './sign-out-button';

export function SiteHeader({ user, signOutCsrf }: { user: User | null; signOutCsrf: string | null }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center justify-between px-4 py-3">
        <Link href="/" className="flex items-center gap-2 font-semibold text-slate-900">
          <img src="/icon.svg" alt="" aria-hidden width={24} height={24} className="h-6 w-6" />
          Gatehouse
        </Link>
        <nav aria-label="Main" className="flex items-center gap-4 text-sm">
          {user ? (
            <>
              <Link href="/account" className="text-slate-700 hover:text-slate-900">Account</Link>
              {user.isAdmin ? <Link href="/admin" className="text-slate-700 hover:text-slate-900">Admin</Link> : null}
              <span className="text-slate-500" data-testid="signed-in-as">{user.email}</span>
              {signOutCsrf ? <SignOutButton csrf={signOutCsrf} /> : null}
            </>
          ) : (
            <span className="text-slate-500">Not signed in</span>
          )}
        </nav>
      </div>
    </header>
  );
}
