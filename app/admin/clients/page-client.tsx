'use client';
// The clients list (keyset-paged, search and filters in the URL), the create
// form with the new secret shown once, pruning with a preview, and the blocked
// metadata documents with their Unblock buttons.
import Link from 'next/link';
import { useQueryClient } from '@tanstack/react-query';
import { useActionState, useEffect, useState } from 'react';
import { ListPager, ListSearch, ListTable, useKeysetList, type TKeysetPage, type TListParams } from '@/components/admin/keyset-list';
import { EmptyState } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table';
import type { BlockedClientDocument, ClientListRow } from '@/lib/server/db/clients';
import { createClientAction, fetchClientsPageAction, pruneClientsAction, unblockClientDocumentAction, type TClientActionResult, type TCreateClientState, type TPruneState } from './actions';
import { formatWhen, SOURCE_LABEL } from './format';
import { ClientKeyFields, FieldError, SettingsFields, ShownOnce } from './settings-fields';

const selectClass = 'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm';
const badge = 'rounded px-2 py-0.5 text-xs font-medium';

/** A self-registered client no administrator approved: under GATEHOUSE_REGISTRATION=approval it can't be used. */
const unapproved = (c: Pick<ClientListRow, 'source' | 'approvedAt'>) => c.source !== 'admin' && !c.approvedAt;

function StatusBadges({ client: c, approvalRequired }: { client: ClientListRow; approvalRequired: boolean }) {
  if (c.disabled) return <span className={`${badge} bg-slate-200 text-slate-700`}>disabled</span>;
  if (approvalRequired && unapproved(c)) return <span className={`${badge} bg-amber-100 text-amber-900`}>awaiting approval</span>;
  return (
    <>
      <span className={`${badge} bg-emerald-100 text-emerald-800`}>active</span>
      {c.source !== 'admin' && c.approvedAt ? <span className="ml-1 text-xs text-slate-500">approved</span> : null}
    </>
  );
}

export function ClientsList({ initialParams, initialPage, approvalRequired }: { initialParams: TListParams; initialPage: TKeysetPage<ClientListRow>; approvalRequired: boolean }) {
  const list = useKeysetList({ name: 'clients', fetchPage: fetchClientsPageAction, initialParams, initialPage });
  const filtered = Boolean(list.params.q || list.params.source || list.params.status || list.params.group);
  return (
    <div>
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <ListSearch id="client-search" label="Search clients" placeholder="Search by name or client_id" value={list.params.q ?? ''} onSearch={(q) => list.update({ q })} />
        <label className="flex items-center gap-2 text-sm text-slate-700">
          Source
          <select value={list.params.source ?? ''} onChange={(e) => list.update({ source: e.target.value })} className={selectClass}>
            <option value="">All</option>
            <option value="admin">Admin</option>
            <option value="dynamic">Dynamic</option>
            <option value="metadata_document">Metadata document</option>
          </select>
        </label>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          Status
          <select value={list.params.status ?? ''} onChange={(e) => list.update({ status: e.target.value })} className={selectClass}>
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
            <option value="pending">{approvalRequired ? 'Awaiting approval' : 'Not approved'}</option>
          </select>
        </label>
      </div>
      {list.rows.length === 0 ? (
        <EmptyState title={filtered ? 'No client matches' : 'No clients yet'}>
          {filtered ? 'Try another search or filter.' : 'Create one below, or let an MCP client register itself.'}
        </EmptyState>
      ) : (
        <ListTable label="Clients" busy={list.isFetching}>
          <TableHead columns={['Name', 'Source', 'Status', 'Last used', 'Active grants', { label: 'Registrations', className: 'py-1 font-medium' }]} />
          <tbody>
            {list.rows.map((c) => (
              <tr key={c.id} className="border-t border-slate-100 align-top" data-testid="client-row">
                <td className="py-2 pr-3">
                  <Link href={`/admin/clients/${c.id}`} className="font-medium text-indigo-700 hover:underline">{c.name}</Link>
                  <div className="font-mono text-xs text-slate-500 break-all">{c.clientId}</div>
                </td>
                <td className="py-2 pr-3 whitespace-nowrap">
                  {SOURCE_LABEL[c.source]} <span className="text-slate-500">· {c.confidential ? 'confidential' : 'public'}</span>
                </td>
                <td className="py-2 pr-3 whitespace-nowrap">
                  <StatusBadges client={c} approvalRequired={approvalRequired} />
                </td>
                <td className="py-2 pr-3 whitespace-nowrap text-slate-600">{formatWhen(c.lastUsedAt)}</td>
                <td className="py-2 pr-3">{c.activeGrants}</td>
                <td className="py-2 whitespace-nowrap">
                  {c.groupSize > 1 && !list.params.group ? (
                    <Link href={`/admin/clients?group=${c.groupKey}`} className="text-indigo-700 hover:underline" aria-label={`${c.groupSize} registrations named ${c.name} with the same redirect URIs`}>
                      ×{c.groupSize} registrations
                    </Link>
                  ) : (
                    <span className="text-slate-500">{c.groupSize > 1 ? `×${c.groupSize}` : 'one'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ListTable>
      )}
      <ListPager list={list} label="Clients" />
    </div>
  );
}

const EMPTY_VALUES = { name: '', type: 'public', redirectUris: '', grantTypes: [] as string[], scopes: [] as string[], canIntrospect: false, dpopBound: false, jwks: '', jwksUri: '' };

export function CreateClientForm({ scopes }: { scopes: string[] }) {
  const [state, action, pending] = useActionState<TCreateClientState | null, FormData>(createClientAction, null);
  const [copied, setCopied] = useState<string | null>(null);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (state?.ok) void queryClient.invalidateQueries({ queryKey: ['clients'] });
  }, [state, queryClient]);
  const values = state?.values ?? EMPTY_VALUES;
  const errors = state?.fieldErrors ?? {};
  const created = state?.created;
  const copy = (what: string, value: string) => navigator.clipboard?.writeText(value).then(() => setCopied(what));
  return (
    <div>
      {created ? (
        <div role="status" className="mb-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm" data-testid="created-client">
          <p className="font-medium text-emerald-900">
            Client {created.name} created. <Link href={`/admin/clients/${created.id}`} className="underline">Open it</Link>
          </p>
          <p className="mt-2 text-sm text-slate-800">
            client_id: <code data-testid="new-client-id" className="rounded bg-white px-2 py-0.5 font-mono text-xs">{created.clientId}</code>
          </p>
          {created.clientSecret ? (
            <ShownOnce label="Client secret" value={created.clientSecret} testId="new-client-secret" copied={copied === 'secret'} onCopy={() => copy('secret', created.clientSecret!)} />
          ) : created.keyBased ? (
            <p className="mt-1 text-xs text-slate-600">A key-based client has no secret: it signs a JWT assertion with its private key (private_key_jwt).</p>
          ) : (
            <p className="mt-1 text-xs text-slate-600">A public client has no secret; it proves itself with PKCE.</p>
          )}
        </div>
      ) : null}
      {state && !state.ok ? <p role="alert" className="mb-3 text-sm text-red-700">{state.message}</p> : null}
      {/* Re-mounted after each answer so an error keeps what was typed (React resets forms after an action). */}
      <form key={JSON.stringify(state)} action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Create a client">
        <SettingsFields prefix="new" values={values} errors={errors} scopes={scopes}>
          <fieldset aria-describedby={errors.type ? 'new-type-error' : undefined}>
            <legend className="text-sm font-medium text-slate-800">Kind</legend>
            <div className="mt-1 flex flex-wrap gap-4 text-sm">
              <span className="flex items-center gap-2">
                <input id="new-type-public" type="radio" name="type" value="public" defaultChecked={values.type !== 'confidential'} className="h-4 w-4" />
                <label htmlFor="new-type-public">Public <span className="text-slate-500">(no secret: apps, CLIs, MCP clients)</span></label>
              </span>
              <span className="flex items-center gap-2">
                <input id="new-type-confidential" type="radio" name="type" value="confidential" defaultChecked={values.type === 'confidential'} className="h-4 w-4" />
                <label htmlFor="new-type-confidential">Confidential <span className="text-slate-500">(has a secret: servers)</span></label>
              </span>
              <span className="flex items-center gap-2">
                <input id="new-type-key" type="radio" name="type" value="key" defaultChecked={values.type === 'key'} className="h-4 w-4" />
                <label htmlFor="new-type-key">Key-based (private_key_jwt) <span className="text-slate-500">(no secret: agents, CI jobs)</span></label>
              </span>
            </div>
            <FieldError id="new-type-error" message={errors.type} />
          </fieldset>
        </SettingsFields>
        <ClientKeyFields prefix="new" values={values} errors={errors} note="for a key-based client only" />
        <div className="sm:col-span-2">
          <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
            {pending ? 'Creating…' : 'Create client'}
          </button>
        </div>
      </form>
    </div>
  );
}

export function PruneClientsForm({ defaultIdle, automatic }: { defaultIdle: string; automatic: string | null }) {
  const [state, action, pending] = useActionState<TPruneState | null, FormData>(pruneClientsAction, null);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (state?.ok && !state.preview) void queryClient.invalidateQueries({ queryKey: ['clients'] });
  }, [state, queryClient]);
  const preview = state?.preview;
  return (
    <div className="space-y-3 text-sm">
      <p className="text-slate-600">
        Deletes dynamically registered clients registered and unused for the period, never one with a live grant.
        {automatic ? ` Gatehouse also does this hourly for clients idle ${automatic} (GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE).` : ' Set GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE to do it automatically.'}
      </p>
      <form action={action} className="flex flex-wrap items-end gap-3" aria-label="Preview pruning">
        <input type="hidden" name="step" value="preview" />
        <div>
          <label htmlFor="prune-idle" className="block text-sm font-medium text-slate-800">Unused for</label>
          <input id="prune-idle" name="idle" defaultValue={preview?.idle ?? defaultIdle} required aria-describedby={state?.fieldErrors?.idle ? 'prune-idle-error prune-idle-help' : 'prune-idle-help'} className="mt-1 w-32 rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </div>
        <button type="submit" disabled={pending} className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60">
          Preview
        </button>
        <p id="prune-idle-help" className="w-full text-xs text-slate-500">A duration such as 12h or 30d.</p>
        <FieldError id="prune-idle-error" message={state?.fieldErrors?.idle} />
      </form>
      {state && !state.fieldErrors ? (
        <p role="status" className={state.ok ? 'text-slate-800' : 'text-red-700'} data-testid="prune-result">{state.message}</p>
      ) : null}
      {preview && preview.count > 0 ? (
        <form action={action} aria-label="Confirm pruning">
          <input type="hidden" name="step" value="confirm" />
          <input type="hidden" name="idle" value={preview.idle} />
          <button type="submit" disabled={pending} className="rounded-md bg-red-600 px-4 py-2 font-medium text-white hover:bg-red-700 disabled:opacity-60">
            {pending ? 'Pruning…' : `Confirm: prune ${preview.count} client${preview.count === 1 ? '' : 's'}`}
          </button>
        </form>
      ) : null}
    </div>
  );
}

/** Metadata-document URLs blocked by deleting their client; Unblock lets the application sign users in again. */
export function BlockedDocuments({ documents }: { documents: BlockedClientDocument[] }) {
  return (
    <div>
      <p className="mb-3 text-sm text-slate-600">
        Deleting a metadata-document client blocks its URL: Gatehouse refuses the application without fetching anything. Unblock one to let it sign users in again.
      </p>
      <table className="w-full text-left text-sm" aria-label="Blocked metadata documents">
        <TableHead columns={['Application', 'Blocked', { label: '', className: 'py-1 font-medium' }]} />
        <tbody>
          {documents.map((d) => (
            <tr key={d.url} className="border-t border-slate-100 align-top" data-testid="blocked-document">
              <td className="py-2 pr-3">
                <div className="font-medium text-slate-900">{d.name}</div>
                <div className="font-mono text-xs text-slate-500 break-all">{d.url}</div>
              </td>
              <td className="py-2 pr-3 whitespace-nowrap text-slate-600">
                {formatWhen(d.blockedAt)}
                {d.blockedBy ? <div className="text-xs">by {d.blockedBy}</div> : null}
              </td>
              <td className="py-2">
                <UnblockDocument url={d.url} name={d.name} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UnblockDocument({ url, name }: { url: string; name: string }) {
  const [state, action, pending] = useActionState<TClientActionResult | null, FormData>(unblockClientDocumentAction, null);
  return (
    <form action={action} className="space-y-1">
      <input type="hidden" name="url" value={url} />
      <button type="submit" disabled={pending} aria-label={`Unblock ${name}`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60">
        {pending ? 'Unblocking…' : 'Unblock'}
      </button>
      {state ? <p role={state.ok ? 'status' : 'alert'} className={`text-xs ${state.ok ? 'text-emerald-700' : 'text-red-700'}`}>{state.message}</p> : null}
    </form>
  );
}
