'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useActionState, useEffect, useState } from 'react';
import { ListPager, ListSearch, ListTable, useKeysetList, type TKeysetPage, type TListParams } from '@/components/admin/keyset-list';
import { Card, EmptyState } from '@/components/ui/card';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { ResultMessage } from '@/components/ui/result-message';
import {
  createScopeAction,
  deleteScopeAction,
  fetchScopesPageAction,
  scopeUsageAction,
  updateScopeAction,
  type TScopeFormState,
  type TScopeFormValues,
} from './actions';
import type { TScopeRow } from './list-params';

const LIST = 'scopes';
const input = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm';
const primary = 'rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60';
const secondary = 'rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-800 hover:bg-slate-50 disabled:opacity-60';

/** After a successful change, every scope list refetches. */
function useRefreshOnSuccess(state: TScopeFormState | null, then?: () => void) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!state?.ok) return;
    queryClient.invalidateQueries({ queryKey: [LIST] });
    then?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state]);
}

function ScopeFields({ idPrefix, values, errors, builtIn }: { idPrefix: string; values: TScopeFormValues; errors: TScopeFormState['fieldErrors']; builtIn?: boolean }) {
  const error = (field: keyof NonNullable<typeof errors>) =>
    errors?.[field] ? <p id={`${idPrefix}-${field}-error`} className="mt-1 text-xs text-red-700">{errors[field]}</p> : null;
  const describedBy = (field: keyof NonNullable<typeof errors>, help?: string) => [help, errors?.[field] ? `${idPrefix}-${field}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-name`} className="text-sm font-medium text-slate-800">Name</label>
        <input
          id={`${idPrefix}-name`}
          name="name"
          defaultValue={values.name}
          required
          readOnly={builtIn}
          aria-describedby={describedBy('name', `${idPrefix}-name-help`)}
          className={`${input} font-mono ${builtIn ? 'bg-slate-100 text-slate-600' : ''}`}
        />
        <p id={`${idPrefix}-name-help`} className="mt-1 text-xs text-slate-500">{builtIn ? 'Built-in scopes keep their name.' : 'What clients ask for, like mcp:read.'}</p>
        {error('name')}
      </div>
      <div>
        <label htmlFor={`${idPrefix}-description`} className="text-sm font-medium text-slate-800">Description</label>
        <input id={`${idPrefix}-description`} name="description" defaultValue={values.description} required maxLength={200} aria-describedby={describedBy('description', `${idPrefix}-description-help`)} className={input} />
        <p id={`${idPrefix}-description-help`} className="mt-1 text-xs text-slate-500">Shown on the consent page.</p>
        {error('description')}
      </div>
      <div>
        <label htmlFor={`${idPrefix}-tools`} className="text-sm font-medium text-slate-800">Tools it allows</label>
        <input id={`${idPrefix}-tools`} name="tools" defaultValue={values.tools} aria-describedby={describedBy('tools', `${idPrefix}-tools-help`)} className={`${input} font-mono`} />
        <p id={`${idPrefix}-tools-help`} className="mt-1 text-xs text-slate-500">* for every tool, or names separated by spaces or commas; empty for none.</p>
        {error('tools')}
      </div>
      <div className="flex items-start gap-2 pt-6">
        <input id={`${idPrefix}-default`} name="isDefault" type="checkbox" defaultChecked={values.isDefault} aria-describedby={`${idPrefix}-default-help`} className="mt-0.5 h-4 w-4" />
        <div>
          <label htmlFor={`${idPrefix}-default`} className="text-sm font-medium text-slate-800">Default</label>
          <p id={`${idPrefix}-default-help`} className="text-xs text-slate-500">Granted when a client asks for no scope.</p>
        </div>
      </div>
    </>
  );
}

function CreateScopeForm() {
  const [state, action, pending] = useActionState<TScopeFormState | null, FormData>(createScopeAction, null);
  useRefreshOnSuccess(state);
  const values = state?.values ?? { name: '', description: '', tools: '', isDefault: false };
  return (
    <form key={JSON.stringify(state)} action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Create a scope">
      <ScopeFields idPrefix="new-scope" values={values} errors={state?.fieldErrors} />
      <div className="sm:col-span-2 flex items-center gap-3">
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Creating…' : 'Create scope'}</button>
        <ResultMessage result={state} okClassName="text-emerald-700" />
      </div>
    </form>
  );
}

function EditScopeForm({ scope, onDone }: { scope: TScopeRow; onDone: () => void }) {
  const [state, action, pending] = useActionState<TScopeFormState | null, FormData>(updateScopeAction, null);
  useRefreshOnSuccess(state, onDone);
  const values = state?.values ?? { name: scope.name, description: scope.description, tools: scope.tools.join(' '), isDefault: scope.isDefault };
  return (
    <form key={JSON.stringify(state)} action={action} className="grid gap-4 py-3 sm:grid-cols-2" aria-label={`Edit scope ${scope.name}`}>
      <input type="hidden" name="originalName" value={scope.name} />
      <ScopeFields idPrefix={`edit-${scope.name}`} values={values} errors={state?.fieldErrors} builtIn={scope.builtIn} />
      <div className="sm:col-span-2 flex items-center gap-3">
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Saving…' : 'Save scope'}</button>
        <button type="button" onClick={onDone} className={secondary}>Cancel</button>
        <ResultMessage result={state} errorsOnly />
      </div>
    </form>
  );
}

function DeleteScope({ scope, onDone }: { scope: TScopeRow; onDone: () => void }) {
  const [state, action, pending] = useActionState<TScopeFormState | null, FormData>(deleteScopeAction, null);
  const [usage, setUsage] = useState<Awaited<ReturnType<typeof scopeUsageAction>> | undefined>(undefined);
  useRefreshOnSuccess(state, onDone);
  useEffect(() => {
    scopeUsageAction(scope.name).then(setUsage, () => setUsage(null));
  }, [scope.name]);
  const used = usage ? usage.activeGrants + usage.clients + usage.resourceServers : 0;
  return (
    <form action={action} className="space-y-2 py-3" aria-label={`Delete scope ${scope.name}`}>
      <input type="hidden" name="name" value={scope.name} />
      <p className="text-sm text-slate-800" role="status">
        {usage === undefined
          ? 'Checking what uses this scope…'
          : used
            ? `Used by ${usage!.activeGrants} active grant(s), ${usage!.clients} client(s) and ${usage!.resourceServers} resource server(s). Grants keep the name but it will no longer allow any tool; resource servers stop accepting it.`
            : 'Nothing uses this scope.'}
      </p>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending || usage === undefined} className="rounded-md bg-red-700 px-3 py-1 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60">
          {pending ? 'Deleting…' : `Confirm delete ${scope.name}`}
        </button>
        <button type="button" onClick={onDone} className={secondary}>Cancel</button>
        <ResultMessage result={state} errorsOnly />
      </div>
    </form>
  );
}

export function ScopesPageClient({ initialParams, initialPage }: { initialParams: TListParams; initialPage: TKeysetPage<TScopeRow> }) {
  const list = useKeysetList({ name: LIST, fetchPage: fetchScopesPageAction, initialParams, initialPage });
  const [open, setOpen] = useState<{ name: string; mode: 'edit' | 'delete' } | null>(null);
  const close = () => setOpen(null);
  return (
    <>
      <Card title="New scope">
        <CreateScopeForm />
      </Card>
      <Card title="Scopes">
        <div className="mb-4">
          <ListSearch id="scope-search" label="Search scopes" placeholder="Search by name or description" value={list.params.q ?? ''} onSearch={(q) => list.update({ q })} />
        </div>
        {list.rows.length === 0 && !list.isFetching ? (
          <EmptyState title={list.params.q ? 'No scope matches' : 'No scopes yet'}>{list.params.q ? 'Try another search.' : 'Create one above.'}</EmptyState>
        ) : (
          <ListTable label="Scopes" busy={list.isFetching}>
            <TableHead columns={['Name', 'Description', 'Tools', 'Default', ACTIONS_COLUMN]} />
            <tbody>
              {list.rows.map((s) => (
                <ScopeRows key={s.name} scope={s} open={open?.name === s.name ? open.mode : null} onOpen={(mode) => setOpen({ name: s.name, mode })} onClose={close} />
              ))}
            </tbody>
          </ListTable>
        )}
        <ListPager list={list} label="Scopes" />
      </Card>
    </>
  );
}

function ScopeRows({ scope, open, onOpen, onClose }: { scope: TScopeRow; open: 'edit' | 'delete' | null; onOpen: (mode: 'edit' | 'delete') => void; onClose: () => void }) {
  return (
    <>
      <tr className="border-t border-slate-100 align-top" data-testid="scope-row">
        <td className="py-2 pr-3">
          <span className="font-mono text-xs">{scope.name}</span>
          {scope.builtIn ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">built-in</span> : null}
        </td>
        <td className="py-2 pr-3">{scope.description}</td>
        <td className="py-2 pr-3 font-mono text-xs">{scope.tools.length ? (scope.tools[0] === '*' ? '* (every tool)' : scope.tools.join(' ')) : 'none'}</td>
        <td className="py-2 pr-3">{scope.isDefault ? 'yes' : 'no'}</td>
        <td className="py-2 text-right whitespace-nowrap">
          <button type="button" onClick={() => onOpen('edit')} aria-expanded={open === 'edit'} className={secondary}>
            Edit<span className="sr-only"> {scope.name}</span>
          </button>
          {scope.builtIn ? null : (
            <button type="button" onClick={() => onOpen('delete')} aria-expanded={open === 'delete'} className="ml-2 rounded-md border border-red-300 px-3 py-1 text-sm text-red-700 hover:bg-red-50">
              Delete<span className="sr-only"> {scope.name}</span>
            </button>
          )}
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={5} className="border-t border-slate-100 bg-slate-50 px-3">
            {open === 'edit' ? <EditScopeForm scope={scope} onDone={onClose} /> : <DeleteScope scope={scope} onDone={onClose} />}
          </td>
        </tr>
      ) : null}
    </>
  );
}
