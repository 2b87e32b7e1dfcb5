// A real form POST (no JavaScript needed); the server decides where the browser goes.
export function SignOutButton({ csrf, className }: { csrf: string; className?: string }) {
  return (
    <form method="post" action="/sign-out">
      <input type="hidden" name="csrf" value={csrf} />
      <button type="submit" className={className ?? 'rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-50'}>
        Sign out
      </button>
    </form>
  );
}
