// What the SSO edge says about this request, and the sign-out chain Gatehouse
// will follow, with the configuration mistakes it can detect.
import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { signOutProblems, signOutRedirect, signOutSteps } from '@/lib/identity/sign-out';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { EDGE_REPORT_HEADER, type EdgeReport } from '@/lib/server/runtime/edge-identity';

export const metadata: Metadata = { title: 'Sign-in diagnostics' };

const OUTCOMES: Record<string, string> = {
  signed_in: 'Trusted: the proxy secret matched and the identity headers named a user.',
  disabled: 'Forward auth is off (GATEHOUSE_FORWARD_AUTH=false): identity headers are ignored.',
  bypass_path: 'This path is a bypass path: identity headers are not consulted.',
  no_secret: 'The proxy secret header did not arrive: identity headers were ignored. Check that the edge sets x-gatehouse-proxy-secret.',
  bad_secret: 'The proxy secret did not match GATEHOUSE_PROXY_SECRET: identity headers were ignored.',
  no_identity: 'The proxy secret matched, but no email or user header arrived.',
  invalid_identity: 'The proxy secret matched, but the identity headers were not usable.',
};

export default async function DiagnosticsPage() {
  const admin = await requireAdmin();
  const { config } = getAppContext();
  const raw = (await headers()).get(EDGE_REPORT_HEADER);
  const report = raw ? (JSON.parse(raw) as EdgeReport) : null;
  const problems = signOutProblems(config.signOut, { bypassPaths: config.forwardAuth.bypassPaths, issuer: config.issuer, forwardAuth: config.forwardAuth.enabled });
  return (
    <div className="space-y-6">
      <PageHeader title="Sign-in diagnostics" description="How the SSO edge and Gatehouse see this very request." />
      <Card title="This request">
        <dl className="grid grid-cols-[12rem_1fr] gap-y-2 text-sm">
          <dt className="text-slate-500">Edge verdict</dt>
          <dd data-testid="edge-outcome">{report ? (OUTCOMES[report.outcome] ?? report.outcome) : 'unknown'}{report?.detail ? ` (${report.detail})` : ''}</dd>
          <dt className="text-slate-500">Identity headers that arrived</dt>
          <dd className="font-mono text-xs">{report?.headersPresent.length ? report.headersPresent.join(', ') : 'none'}</dd>
          <dt className="text-slate-500">Proxy secret header</dt>
          <dd>{report?.secretPresent ? 'present' : 'absent'}</dd>
          <dt className="text-slate-500">Maps to</dt>
          <dd>{report?.email ?? '—'}{report?.groups?.length ? ` (groups: ${report.groups.join(', ')})` : ''}</dd>
          <dt className="text-slate-500">Signed in as</dt>
          <dd>{admin.email} (via {admin.createdVia.replace('_', ' ')})</dd>
        </dl>
      </Card>
      <Card title="Sign-out chain">
        <ol className="list-decimal space-y-1 pl-5 text-sm" data-testid="sign-out-chain">
          {signOutSteps(config.signOut).map((step) => (
            <li key={step.layer}>
              <span className="font-medium">{step.layer}</span> <span className="break-all font-mono text-xs text-slate-500">{step.url}</span>
            </li>
          ))}
        </ol>
        <p className="mt-3 text-sm text-slate-600">The browser is sent to:</p>
        <p className="break-all rounded bg-slate-100 p-2 font-mono text-xs" data-testid="sign-out-url">{signOutRedirect(config.signOut)}</p>
      </Card>
      <Card title="Configuration checks">
        {problems.length ? (
          <ul className="list-disc space-y-1 pl-5 text-sm text-amber-900" data-testid="config-problems">
            {problems.map((p) => <li key={p}>{p}</li>)}
          </ul>
        ) : (
          <p className="text-sm text-emerald-800">No problems found.</p>
        )}
      </Card>
    </div>
  );
}
