// Signing keys: status and live tokens per key; staged rotation
// (publish → make signer → retiring → retired) and early retirement.
import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { countLiveAccessTokensByKid, listSigningKeys } from '@/lib/server/db/signing-keys';
import { retireExpiredSigningKeys, retirementDueAt } from '@/lib/server/keys/signing-keys';
import { invalidateCached } from '@/lib/server/oauth/cache-invalidation';
import { KeyRowActions, RotationActions } from './key-actions';

export const metadata: Metadata = { title: 'Signing keys' };

const STATUS_STYLE: Record<string, string> = {
  active: 'bg-emerald-100 text-emerald-800',
  retiring: 'bg-amber-100 text-amber-900',
  pending: 'bg-sky-100 text-sky-800',
  retired: 'bg-slate-100 text-slate-700',
};

const STATUS_LABEL: Record<string, string> = {
  active: 'active (signs)',
  retiring: 'retiring',
  pending: 'pending (published)',
  retired: 'retired',
};

export default async function SigningKeysPage() {
  await requireAdmin();
  const { db, config } = getAppContext();
  const ttl = config.ttl.accessToken;
  // Reading the page also records the retirements that are due.
  if ((await retireExpiredSigningKeys(db, ttl, { type: 'system', label: 'key retirement' })).length) invalidateCached(db, 'signing-keys');
  const [keys, live] = await Promise.all([listSigningKeys(db), countLiveAccessTokensByKid(db)]);
  // Date over time, so the table fits beside the navigation without scrolling.
  const when = (d: Date | null) =>
    d ? (
      <time dateTime={d.toISOString()}>
        <span className="block">{d.toISOString().slice(0, 10)}</span>
        {d.toISOString().slice(11, 16)} UTC
      </time>
    ) : (
      '—'
    );
  return (
    <div className="space-y-6">
      <PageHeader
        title="Signing keys"
        description="Access tokens are signed by the active key; resource servers verify them with the keys published in the JWKS."
      />
      <Card title="Rotate">
        <ol className="mb-4 list-decimal space-y-1 pl-5 text-sm text-slate-700">
          <li><strong>Publish new key</strong>: it appears in the JWKS but does not sign yet, so resource servers can pick it up (they may cache the JWKS for a minute or more).</li>
          <li><strong>Make signer</strong>: new tokens carry its kid; the previous key becomes retiring and keeps verifying the tokens it signed.</li>
          <li>A retiring key retires on its own once the longest access-token lifetime ({ttl} s) has passed since it stopped signing. <strong>Retire now</strong> ends it early.</li>
        </ol>
        <RotationActions hasPending={keys.some((k) => k.status === 'pending')} />
      </Card>
      <Card title="Keys">
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label="Signing keys">
            <TableHead columns={['Key id', 'Status', 'Created', 'Signing since', 'Stopped signing', 'Retires', 'Live tokens', ACTIONS_COLUMN]} />
            <tbody>
              {keys.map((k) => {
                const due = retirementDueAt(k, ttl);
                const liveTokens = live.get(k.kid) ?? 0;
                return (
                  <tr key={k.kid} className="border-t border-slate-100 align-top" data-testid="key-row" data-kid={k.kid} data-status={k.status}>
                    <td className="py-2 pr-3">
                      <span className="block font-mono text-xs" title={k.kid}>{k.kid.slice(0, 16)}…</span>
                      <span className="text-xs text-slate-600">{k.alg}</span>
                    </td>
                    <td className="py-2 pr-3 whitespace-nowrap"><span className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[k.status] ?? ''}`}>{STATUS_LABEL[k.status] ?? k.status}</span></td>
                    <td className="py-2 pr-3 text-xs whitespace-nowrap text-slate-600">{when(k.createdAt)}</td>
                    <td className="py-2 pr-3 text-xs whitespace-nowrap text-slate-600">{when(k.activatedAt)}</td>
                    <td className="py-2 pr-3 text-xs whitespace-nowrap text-slate-600">{when(k.retiringAt)}</td>
                    <td className="py-2 pr-3 text-xs whitespace-nowrap text-slate-600">{k.status === 'retired' ? when(k.retiredAt) : when(due)}</td>
                    <td className="py-2 pr-3" data-testid="live-tokens">{liveTokens.toLocaleString('en')}</td>
                    <td className="py-2 text-right">
                      <KeyRowActions kid={k.kid} status={k.status} liveTokens={liveTokens} retiresAt={due?.toISOString() ?? null} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
