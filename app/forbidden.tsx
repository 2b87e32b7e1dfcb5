import Link from 'next/link';

export default function Forbidden() {
  return (
    <div className="mx-auto max-w-md text-center">
      <h1 className="text-xl font-semibold text-slate-900">You don&apos;t have access to this page</h1>
      <p className="mt-2 text-slate-600">It is for administrators. If you need access, ask one of them.</p>
      <Link href="/" className="mt-4 inline-block text-indigo-700 underline">Back to the start page</Link>
    </div>
  );
}
