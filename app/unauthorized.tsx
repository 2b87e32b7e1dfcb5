import Link from 'next/link';

export default function Unauthorized() {
  return (
    <div className="mx-auto max-w-md text-center">
      <h1 className="text-xl font-semibold text-slate-900">Please sign in</h1>
      <p className="mt-2 text-slate-600">This page needs you to be signed in. Open Gatehouse through your organization&apos;s single sign-on.</p>
      <Link href="/" className="mt-4 inline-block text-indigo-700 underline">Back to the start page</Link>
    </div>
  );
}
