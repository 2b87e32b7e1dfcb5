import type { Metadata } from 'next';
import Link from 'next/link';
import { Card } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Signed out' };

export default function SignedOutPage() {
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-xl font-semibold text-slate-900">You are signed out</h1>
        <p className="mt-2 text-slate-600">Your Gatehouse session has ended. Close this tab, or sign in again.</p>
        <Link href="/" className="mt-4 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">
          Sign in again
        </Link>
      </Card>
    </div>
  );
}
