'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useActionState, useEffect, useState } from 'react';
import { ListPager, ListSearch, ListTable, useKeysetList, type TKeysetPage, type TListParams } from '@/components/admin/keyset-list';
import { Card, EmptyState } from '@/components/ui/card';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { ResultMessage } from '@/components/ui/result-message';
import {
  createResourceServerAction,
  deleteResourceServerAction,
  fetchResourceServersPageAction,
  updateResourceServerAction,
  type TResourceServerFormState,
  type TResourceServerFormValues,
} from './actions';
import type { TResourceServerRow } from './list-params';

const LIST = 'resource-servers';
const input = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm';
const primary = 'rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60';
const secondary = 'rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-800 hover:bg-slate-50 disabled:opacity-60';

/** After a successful change: the list refetches and the server-rendered notice is refreshed. */
function useRefreshOnSuccess(state: TResourceServerFormState | null, then?: () => void) {
  const queryClient = useQueryClient();
  const router = useRouter();
  useEffect(() => {
    if (!state?.ok) return;
    queryClient.invalidateQueries({ queryKey: [LIST] });
    router.refresh();
    then?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state]);
}

function ResourceServerFields({ idPrefix, values, errors, scopeNames }: { idPrefix: string; values: TResourceServerFormValues; errors: TResourceServerFormState['fieldErrors']; scopeNames: string[] }) {
  const error = (field: 'url' | 'name' | 'scopes') => (errors?.[field] ? <p id={`${idPrefix}-${field}-error`} className="mt-1 text-xs text-red-700">{errors[field]}</p> : null);
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-url`} className="text-sm font-medium text-slate-800">Canonical URL</label>
        <input
          id={`${idPrefix}-url`}
          name="url"
          type="text"
          inputMode="url"
          defaultValue={values.url}
          required
          aria-describedby={[`${idPrefix}-url-help`, errors?.url ? `${idPrefix}-url-error` : ''].filter(Boolean).join(' ')}
          className={`${input} font-mono`}
          placeholder="https://mcp.example.com/mcp"
        />
        <p id={`${idPrefix}-url-help`} className="mt-1 text-xs text-slate-500">https, or http on a loopback address; no fragment.</p>
        {error('url')}
      </div>
      <div>
        <label htmlFor={`${idPrefix}-name`} className="text-sm font-medium text-slate-800">Name</label>
        <input id={`${idPrefix}-name`} name="name" defaultValue={values.name} required maxLength={100} aria-describedby={errors?.name ? `${idPrefix}-name-error` : undefined} className={input} />
        {error('name')}
      </div>
      <fieldset className="sm:col-span-2">
        <legend className="text-sm font-medium text-slate-800">Accepted scopes</legend>
        <div className="mt-1 flex flex-wrap gap-x-5 gap-y-1">
          {scopeNames.map((scope) => (
            <div key={scope} className="flex items-center gap-2 text-sm">
              <input id={`${idPrefix}-scope-${scope}`} type="checkbox" name="scope" value={scope} defaultChecked={values.scopes.includes(scope)} className="h-4 w-4" />
              <label htmlFor={`${idPrefix}-scope-${scope}`} className="font-mono text-xs">{scope}</label>
            </div>
          ))}
        </div>
        {error('scopes')}
      </fieldset>
    </>
  );
}

function CreateResourceServerForm({ scopeNames }: { scopeNames: string[] }) {
  const [state, action, pending] = useActionState<TResourceServerFormState | null, FormData>(createResourceServerAction, null);
  useRefreshOnSuccess(state);
  const values = state?.values ?? { url: '', name: '', scopes: [] };
  return (
    <form key={JSON.stringify(state)} action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Register a resource server">
      <ResourceServerFields idPrefix="new-rs" values={values} errors={state?.fieldErrors} scopeNames={scopeNames} />
      <div className="sm:col-span-2 flex items-center gap-3">
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Registering…' : 'Register resource server'}</button>
        <ResultMessage result={state} okClassName="text-emerald-700" />
      </div>
    </form>
  );
}

function EditResourceServerForm({ server, scopeNames, onDone }: { server: TResourceServerRow; scopeNames: string[]; onDone: () => void }) {
  const [state, action, pending] = useActionState<TResourceServerFormState | null, FormData>(updateResourceServerAction, null);
  useRefreshOnSuccess(state, onDone);
  const values = state?.values ?? { url: server.url, name: server.name, scopes: server.scopes };
  return (
    <form key={JSON.stringify(state)} action={action} className="grid gap-4 py-3 sm:grid-cols-2" aria-label={`Edit ${server.name}`}>
      <input type="hidden" name="id" value={server.id} />
      <ResourceServerFields idPrefix={`edit-${server.id}`} values={values} errors={state?.fieldErrors} scopeNames={scopeNames} />
      <div className="sm:col-span-2 flex items-center gap-3">
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Saving…' : 'Save resource server'}</button>
        <button type="button" onClick={onDone} className={secondary}>Cancel</button>
        <ResultMessage result={state} errorsOnly />
      </div>
    </form>
  );
}

function DeleteResourceServer({ server, last, onDone }: { server: TResourceServerRow; last: boolean; onDone: () => void }) {
  const [state, action, pending] = useActionState<TResourceServerFormState | null, FormData>(deleteResourceServerAction, null);
  useRefreshOnSuccess(state, onDone);
  return (
    <form action={action} className="space-y-2 py-3" aria-label={`Delete ${server.name}`}>
      <input type="hidden" name="id" value={server.id} />
      <p className="text-sm text-slate-800">
        Clients can no longer get new tokens for {server.url}.{' '}
        {last ? 'It is the last one registered: afterwards any valid resource URL is accepted again.' : 'Tokens already issued keep working until they expire.'}
      </p>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className="rounded-md bg-red-700 px-3 py-1 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60">
          {pending ? 'Deleting…' : `Confirm delete ${server.name}`}
        </button>
        <button type="button" onClick={onDone} className={secondary}>Cancel</button>
        <ResultMessage result={state} errorsOnly />
      </div>
    </form>
  );
}

export function ResourceServersPageClient({
  registered,
  scopeNames,
  initialParams,
  initialPage,
}: {
  registered: number;
  scopeNames: string[];
  initialParams: TListParams;
  initialPage: TKeysetPage<TResourceServerRow>;
}) {
  const list = useKeysetList({ name: LIST, fetchPage: fetchResourceServersPageAction, initialParams, initialPage });
  const [open, setOpen] = useState<{ id: string; mode: 'edit' | 'delete' } | null>(null);
  const close = () => setOpen(null);
  return (
    <>
      <p data-testid="resource-policy" className={`rounded-md border p-3 text-sm ${registered ? 'border-indigo-200 bg-indigo-50 text-indigo-900' : 'border-amber-300 bg-amber-50 text-amber-900'}`}>
        {registered
          ? `${registered} registered: a client that asks for any other resource gets invalid_target.`
          : 'None registered: any https URL (or http on a loopback address) without a fragment is accepted as a resource. Register your MCP servers to accept only them.'}
      </p>
      <Card title="Register a resource server">
        <CreateResourceServerForm scopeNames={scopeNames} />
      </Card>
      <Card title="Resource servers">
        <div className="mb-4">
          <ListSearch id="rs-search" label="Search resource servers" placeholder="Search by URL or name" value={list.params.q ?? ''} onSearch={(q) => list.update({ q })} />
        </div>
        {list.rows.length === 0 && !list.isFetching ? (
          <EmptyState title={list.params.q ? 'No resource server matches' : 'No resource servers yet'}>{list.params.q ? 'Try another search.' : 'Register one above.'}</EmptyState>
        ) : (
          <ListTable label="Resource servers" busy={list.isFetching}>
            <TableHead columns={['Name', 'Canonical URL', 'Accepted scopes', ACTIONS_COLUMN]} />
            <tbody>
              {list.rows.map((server) => (
                <ResourceServerRows
                  key={server.id}
                  server={server}
                  scopeNames={scopeNames}
                  last={registered === 1}
                  open={open?.id === server.id ? open.mode : null}
                  onOpen={(mode) => setOpen({ id: server.id, mode })}
                  onClose={close}
                />
              ))}
            </tbody>
          </ListTable>
        )}
        <ListPager list={list} label="Resource servers" />
      </Card>
    </>
  );
}

function ResourceServerRows({
  server,
  scopeNames,
  last,
  open,
  onOpen,
  onClose,
}: {
  server: TResourceServerRow;
  scopeNames: string[];
  last: boolean;
  open: 'edit' | 'delete' | null;
  onOpen: (mode: 'edit' | 'delete') => void;
  onClose: () => void;
}) {
  return (
    <>
      <tr className="border-t border-slate-100 align-top" data-testid="resource-server-row">
        <td className="py-2 pr-3 font-medium text-slate-900">{server.name}</td>
        <td className="py-2 pr-3 break-all font-mono text-xs">{server.url}</td>
        <td className="py-2 pr-3 font-mono text-xs">{server.scopes.join(' ') || 'none'}</td>
        <td className="py-2 text-right whitespace-nowrap">
          <button type="button" onClick={() => onOpen('edit')} aria-expanded={open === 'edit'} className={secondary}>
            Edit<span className="sr-only"> {server.name}</span>
          </button>
          <button type="button" onClick={() => onOpen('delete')} aria-expanded={open === 'delete'} className="ml-2 rounded-md border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50">
            Delete<span className="sr-only"> {server.name}</span>
          </button>
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={4} className="border-t border-slate-100 bg-slate-50 px-3">
            {open === 'edit' ? (
              <EditResourceServerForm server={server} scopeNames={scopeNames} onDone={onClose} />
            ) : (
              <DeleteResourceServer server={server} last={last} onDone={onClose} />
            )}
          </td>
        </tr>
      ) : null}
    </>
  );
}
