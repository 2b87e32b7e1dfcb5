// One client: its settings, secret, status, active grants, and deleting it.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { describeClientDeletion, getClientDetails } from '@/lib/server/db/clients';
import { KeyBoundBadge } from '@/components/ui/key-bound-badge';
import { listActiveGrantsOfClient } from '@/lib/server/db/client-grants';
import { listScopeNames } from '@/lib/server/db/scope-names';
import { formatWhen, SOURCE_LABEL } from '../format';
import { ApproveClient, DeleteClient, DisableClient, EditClientForm, ReplaceKeysForm, RevokeAllGrants, RotateSecret } from './page-client';

export const metadata: Metadata = { title: 'Client' };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

export default async function ClientPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id: segment } = await params;
  // A metadata-document client's row id has a colon (cimd:…), which arrives percent-encoded.
  const id = decodeSegment(segment);
  const { db, config } = getAppContext();
  const approvalRequired = config.registration === 'approval';
  const client = id && id.length <= 100 ? await getClientDetails(db, id) : null;
  if (!client) notFound();
  const [grants, scopes, impact] = await Promise.all([listActiveGrantsOfClient(db, client.id), listScopeNames(db), describeClientDeletion(db, client.id)]);
  const keyBased = client.tokenEndpointAuthMethod === 'private_key_jwt';
  const facts: [string, React.ReactNode][] = [
    ['client_id', <code key="id" className="font-mono text-xs break-all">{client.clientId}</code>],
    ['Source', SOURCE_LABEL[client.source]],
    ['Kind', client.tokenEndpointAuthMethod === 'private_key_jwt' ? 'key-based (private_key_jwt, no secret)' : client.confidential ? `confidential (${client.tokenEndpointAuthMethod})` : 'public (PKCE, no secret)'],
    ['Status', client.disabled ? 'disabled' : approvalRequired && client.source !== 'admin' && !client.approvedAt ? 'awaiting approval' : 'active'],
    [
      'Approval',
      client.source === 'admin'
        ? 'not needed (made by an administrator)'
        : client.approvedAt
          ? `approved ${formatWhen(client.approvedAt)}${client.approvedBy ? ` by ${client.approvedBy}` : ''}`
          : 'not approved',
    ],
    ['Redirect URIs', client.redirectUris.length ? <ul key="r" className="font-mono text-xs">{client.redirectUris.map((u) => <li key={u} className="break-all">{u}</li>)}</ul> : 'none'],
    ['Grant types', client.grantTypes.join(', ') || 'none'],
    ['Scopes', client.scope || 'any'],
    ['May introspect', client.canIntrospect ? 'yes' : 'no'],
    ['DPoP-bound tokens', client.dpopBound ? 'required (RFC 9449)' : 'not required'],
    ['Created', `${formatWhen(client.createdAt)}${client.createdBy ? ` by ${client.createdBy}` : ''}`],
    ['Last used', formatWhen(client.lastUsedAt)],
    ...(client.confidential && !keyBased ? [['Secret rotated', formatWhen(client.secretRotatedAt, 'never')] as [string, React.ReactNode]] : []),
    [
      'Registrations',
      client.groupSize > 1 ? (
        <Link key="g" href={`/admin/clients?group=${client.groupKey}`} className="text-indigo-700 underline">×{client.groupSize} with this name and these redirect URIs</Link>
      ) : (
        'only this one'
      ),
    ],
  ];
  return (
    <div className="space-y-6">
      <p className="text-sm"><Link href="/admin/clients" className="text-indigo-700 hover:underline">← All clients</Link></p>
      <PageHeader
        title={client.name}
        description={
          client.disabled
            ? 'Disabled: it can get no tokens, and its tokens do not introspect as active.'
            : approvalRequired && client.source !== 'admin' && !client.approvedAt
              ? 'Waiting for an administrator’s approval: it can’t be used until it is approved.'
              : undefined
        }
      />
      <Card title="Details">
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
          {facts.map(([term, value]) => (
            <div key={term} className="contents">
              <dt className="text-slate-500">{term}</dt>
              <dd className="text-slate-900">{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      {client.source === 'admin' ? null : (
        <Card title="Approval">
          <ApproveClient id={client.id} approved={client.approvedAt !== null} approvalRequired={approvalRequired} redirectUris={client.redirectUris} />
        </Card>
      )}
      <Card title="Settings">
        {client.source === 'metadata_document' ? (
          <p className="text-sm text-slate-600">This client is described by its Client ID Metadata Document at its client_id URL; Gatehouse refreshes its settings from there. You can disable it here, or delete it, which also blocks its URL.</p>
        ) : (
          <EditClientForm
            id={client.id}
            scopes={scopes}
            values={{ name: client.name, redirectUris: client.redirectUris.join('\n'), grantTypes: client.grantTypes, scopes: client.scope.split(' ').filter(Boolean), canIntrospect: client.canIntrospect, dpopBound: client.dpopBound }}
          />
        )}
      </Card>
      {keyBased ? (
        <Card title="Keys">
          <div className="mb-4 text-sm" data-testid="client-keys">
            {client.jwksUri ? (
              <p>Published at <code className="font-mono text-xs break-all">{client.jwksUri}</code> (fetched and cached; fetched again when an assertion names a new key).</p>
            ) : (
              <ul className="space-y-1">
                {(client.jwks?.keys ?? []).map((k, i) => (
                  <li key={i} className="font-mono text-xs">{[k.kty, k.crv, k.alg, k.kid ? `kid ${k.kid}` : 'no kid'].filter(Boolean).join(' · ')}</li>
                ))}
              </ul>
            )}
          </div>
          <ReplaceKeysForm id={client.id} values={{ jwks: client.jwks ? JSON.stringify(client.jwks, null, 2) : '', jwksUri: client.jwksUri ?? '' }} />
        </Card>
      ) : client.confidential ? (
        <Card title="Secret">
          <RotateSecret id={client.id} />
        </Card>
      ) : null}
      <Card title={`Active grants (${grants.total})`}>
        {grants.total === 0 ? (
          <EmptyState title="No active grants">No user has given this client access, or every grant was revoked.</EmptyState>
        ) : (
          <>
            <table className="w-full text-left text-sm" aria-label="Active grants">
              <TableHead columns={['User', 'Scopes', 'Resource', 'Granted', { label: 'Last used', className: 'py-1 font-medium' }]} />
              <tbody>
                {grants.grants.map((g) => (
                  <tr key={g.id} className="border-t border-slate-100" data-testid="grant-row">
                    <td className="py-2 pr-3">{g.userEmail}{g.keyBound ? <KeyBoundBadge /> : null}</td>
                    <td className="py-2 pr-3 font-mono text-xs">{g.scope.join(' ') || '—'}</td>
                    <td className="py-2 pr-3 font-mono text-xs break-all">{g.resource ?? '—'}</td>
                    <td className="py-2 pr-3 whitespace-nowrap text-slate-600">{formatWhen(g.createdAt)}</td>
                    <td className="py-2 whitespace-nowrap text-slate-600">{formatWhen(g.lastUsedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {grants.total > grants.grants.length ? <p className="mt-2 text-xs text-slate-500">Showing the newest {grants.grants.length} of {grants.total}.</p> : null}
          </>
        )}
        <div className="mt-4">
          <RevokeAllGrants id={client.id} count={grants.total} />
        </div>
      </Card>
      <Card title="Status">
        <DisableClient id={client.id} disabled={client.disabled} />
      </Card>
      <Card title="Delete">
        <DeleteClient id={client.id} name={client.name} impact={impact} metadataDocument={client.source === 'metadata_document'} />
      </Card>
    </div>
  );
}
