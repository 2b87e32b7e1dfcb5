import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="mx-auto max-w-md text-center">
      <h1 className="text-xl font-semibold text-slate-900">Page not found</h1>
      <p className="mt-2 text-slate-600">There is nothing at this address.</p>
      <Link href="/" className="mt-4 inline-block text-indigo-700 underline">Back to the start page</Link>
    </div>
  );
}
