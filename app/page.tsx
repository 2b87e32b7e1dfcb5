import Link from 'next/link';
import { Card } from '@/components/ui/card';
import { getCurrentUser } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { administratorExists } from '@/lib/server/db/setup-token';

const ADMIN_CREATE = 'npx gatehouse admin create --email you@example.com --password-stdin';

/** A server without an administrator says how to get in (docs/deploy.md#first-run). */
function FirstRun({ localLogin }: { localLogin: boolean }) {
  return (
    <Card title="First run">
      <p className="text-slate-800">No administrator exists yet.</p>
      {localLogin ? (
        <p className="mt-2 text-sm text-slate-700">
          Open the one-time setup link that the server printed in its log when it started (<code className="rounded bg-slate-100 px-1">…/setup#token=…</code>) to
          create the first administrator in the browser. It works once, for 15 minutes; restart the server for a new one.
        </p>
      ) : null}
      <p className="mt-2 text-sm text-slate-700">
        {localLogin ? 'Or create one' : 'Create one'} on the server with <code className="rounded bg-slate-100 px-1">{ADMIN_CREATE}</code>
        {localLogin ? <>, then sign in at the <Link className="text-indigo-700 underline" href="/local-login?callbackUrl=/admin">administrator sign-in</Link>.</> : ', or list your email in GATEHOUSE_ADMIN_EMAILS and sign in through single sign-on.'}
      </p>
    </Card>
  );
}

export default async function HomePage() {
  const user = await getCurrentUser();
  const { config, db } = getAppContext();
  const firstRun = !user && !(await administratorExists(db));
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight text-slate-900">Gatehouse</h1>
        <p className="mt-2 max-w-2xl text-slate-600">
          The authorization server for this organization&apos;s MCP servers. AI clients sign in here on your behalf, with your
          consent, and you can see and revoke what you granted at any time.
        </p>
      </div>
      {firstRun ? <FirstRun localLogin={config.localLogin} /> : null}
      {user ? (
        <Card title="You">
          <p>
            Signed in as <strong>{user.email}</strong>
            {user.isAdmin ? <span className="ml-2 rounded bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-700">admin</span> : null}
          </p>
          <ul className="mt-3 flex gap-4 text-sm">
            <li><Link className="text-indigo-700 underline" href="/account">Your account</Link></li>
            {user.isAdmin ? <li><Link className="text-indigo-700 underline" href="/admin">Administration</Link></li> : null}
          </ul>
        </Card>
      ) : (
        <Card title="Sign in">
          <p className="text-slate-700">
            {config.forwardAuth.enabled
              ? 'Open Gatehouse through your organization’s single sign-on to continue.'
              : 'Single sign-on is not configured on this server.'}
          </p>
          {config.localLogin ? (
            <p className="mt-2 text-sm text-slate-600">
              Administrators can use the <Link className="text-indigo-700 underline" href="/local-login">break-glass local login</Link>.
            </p>
          ) : null}
        </Card>
      )}
      <Card title="For MCP clients">
        <p className="text-sm text-slate-600">
          Authorization server metadata: <code className="rounded bg-slate-100 px-1">{config.issuer}/.well-known/oauth-authorization-server</code>
        </p>
      </Card>
    </div>
  );
}
