// Signing keys (SPEC §6): status, and live tokens per key; rotate and retire.
import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { countLiveAccessTokensByKid, listSigningKeys } from '@/lib/server/db/signing-keys';
import { KeyActions } from './key-actions';

export const metadata: Metadata = { title: 'Signing keys' };

const STATUS_STYLE: Record<string, string> = {
  active: 'bg-emerald-100 text-emerald-800',
  retiring: 'bg-amber-100 text-amber-900',
  pending: 'bg-sky-100 text-sky-800',
  retired: 'bg-slate-100 text-slate-600',
};

export default async function SigningKeysPage() {
  await requireAdmin();
  const { db, config } = getAppContext();
  const [keys, live] = await Promise.all([listSigningKeys(db), countLiveAccessTokensByKid(db)]);
  const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '—');
  return (
    <div className="space-y-6">
      <PageHeader
        title="Signing keys"
        description={`Access tokens are signed by the active key. A rotated key stays in the JWKS as retiring until the longest access-token lifetime (${config.ttl.accessToken} s) has passed, then it can be retired.`}
      />
      <Card>
        <KeyActions />
      </Card>
      <Card title="Keys">
        <table className="w-full text-left text-sm" aria-label="Signing keys">
          <thead className="text-slate-500">
            <tr>
              <th scope="col" className="py-1 font-medium">Key id</th>
              <th scope="col" className="py-1 font-medium">Algorithm</th>
              <th scope="col" className="py-1 font-medium">Status</th>
              <th scope="col" className="py-1 font-medium">Created</th>
              <th scope="col" className="py-1 font-medium">Stopped signing</th>
              <th scope="col" className="py-1 font-medium">Live tokens</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.kid} className="border-t border-slate-100" data-testid="key-row">
                <td className="py-2 font-mono text-xs" title={k.kid}>{k.kid.slice(0, 16)}…</td>
                <td className="py-2">{k.alg}</td>
                <td className="py-2"><span className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[k.status] ?? ''}`}>{k.status}</span></td>
                <td className="py-2 whitespace-nowrap text-slate-600">{when(k.createdAt)}</td>
                <td className="py-2 whitespace-nowrap text-slate-600">{when(k.retiringAt)}</td>
                <td className="py-2">{(live.get(k.kid) ?? 0).toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
