'use client';
// The tokens list (filters in the URL, keyset pages), revoke-one with an
// in-row confirmation, and the bulk revocation panel: preview, then confirm.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ListPager, ListSearch, ListTable, useKeysetList, type TListParams } from '@/components/admin/keyset-list';
import { Card, EmptyState } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table';
import { ResultMessage } from '@/components/ui/result-message';
import { STATUSES_OF, TOKEN_STATUS_LABELS, TOKEN_STATUSES, TOKEN_TYPE_LABELS, TOKEN_TYPES, type TokenStatus, type TokenType } from '@/lib/server/db/token-kinds';
import { bulkRevokeAction, fetchTokensPageAction, previewBulkRevokeAction, revokeTokenAction, type TBulkPreview, type TTokensPage } from './actions';
import { KeyBoundBadge } from '@/components/ui/key-bound-badge';
import type { TTokenRowView } from './view';

const LIST = 'admin-tokens';

/**
 * The search lives in the URL, so a pasted token must not: an opaque token is
 * replaced by its SHA-256 (what the database stores), a JWT by its jti.
 */
async function searchWithoutSecrets(q: string): Promise<string> {
  if (/^gh_(pat|team|rt)_[A-Za-z0-9_-]{20,}$/.test(q)) {
    if (!globalThis.crypto?.subtle) return q.slice(0, q.startsWith('gh_team_') ? 14 : 13);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(q));
    return `sha256:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  const jwt = q.match(/^eyJ[\w-]*\.([\w-]+)\.[\w-]*$/);
  if (jwt) {
    try {
      const claims = JSON.parse(atob(jwt[1].replace(/-/g, '+').replace(/_/g, '/'))) as { jti?: unknown };
      if (typeof claims.jti === 'string') return claims.jti;
    } catch {
      // not a JWT: searched as typed, and it will match nothing
    }
  }
  return q;
}

const TYPE_STYLE: Record<TokenType, string> = {
  grant: 'bg-violet-100 text-violet-900',
  refresh: 'bg-sky-100 text-sky-900',
  access: 'bg-indigo-100 text-indigo-900',
  personal: 'bg-teal-100 text-teal-900',
  team: 'bg-orange-100 text-orange-900',
};
const STATUS_STYLE: Record<TokenStatus, string> = {
  active: 'bg-emerald-100 text-emerald-900',
  expired: 'bg-slate-100 text-slate-700',
  revoked: 'bg-red-100 text-red-900',
  rotated: 'bg-slate-100 text-slate-700',
  reused: 'bg-red-700 text-white',
};

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '—');
const input = 'mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm';
const label = 'text-sm font-medium text-slate-800';

export function TokensPageClient({ initialParams, initialPage }: { initialParams: TListParams; initialPage: TTokensPage }) {
  const list = useKeysetList<TTokenRowView>({ name: LIST, fetchPage: fetchTokensPageAction, initialParams, initialPage });
  const page = (list.page ?? initialPage) as TTokensPage;
  const { params } = list;
  return (
    <>
      <Card title="Find tokens">
        <div className="space-y-4">
          <ListSearch id="tokens-search" label="Search tokens" placeholder="Email, client, team, id or a pasted token" value={params.q ?? ''} onSearch={(q) => void searchWithoutSecrets(q).then((safe) => list.update({ q: safe }))} />
          <Filters params={params} onChange={list.update} />
        </div>
      </Card>
      <BulkRevoke params={params} />
      <Card title="Tokens and grants">
        {page.unresolved.length ? (
          <p role="alert" className="mb-3 text-sm text-red-700">
            No {page.unresolved.join(' or ')} matches the filter, so nothing is listed.
          </p>
        ) : null}
        {params.q && page.resolved.length ? <p className="mb-3 text-sm text-slate-600">Matching {page.resolved.join(', ')}.</p> : null}
        {list.rows.length === 0 ? (
          list.isFetching ? (
            <p role="status" className="py-6 text-center text-sm text-slate-500">Loading tokens…</p>
          ) : (
            <EmptyState title={page.partial ? 'None in this stretch' : 'No tokens match'}>
              {page.partial ? 'No match among the tokens searched so far — Next looks further back.' : 'Try fewer filters, or search for the start of an email, a client or team name.'}
            </EmptyState>
          )
        ) : (
          <TokenTable rows={list.rows} busy={list.isFetching} />
        )}
        {page.partial && list.rows.length ? <p className="mt-3 text-xs text-slate-500">This page ends where the search paused to stay fast; Next continues further back.</p> : null}
        <ListPager list={list} label="Tokens" />
      </Card>
    </>
  );
}

function Filters({ params, onChange }: { params: TListParams; onChange: (change: TListParams) => void }) {
  const type = params.type as TokenType | undefined;
  const statuses = type ? STATUSES_OF[type] : TOKEN_STATUSES;
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onChange({ user: String(form.get('user') ?? '').trim(), client: String(form.get('client') ?? '').trim(), team: String(form.get('team') ?? '').trim() });
  }
  return (
    <form onSubmit={submit} aria-label="Filter tokens" className="grid gap-3 sm:grid-cols-3" key={`${params.user}|${params.client}|${params.team}`}>
      <div>
        <label htmlFor="f-type" className={label}>Kind</label>
        <select id="f-type" value={type ?? ''} onChange={(e) => onChange({ type: e.target.value, status: e.target.value && params.status && !STATUSES_OF[e.target.value as TokenType].includes(params.status as TokenStatus) ? '' : (params.status ?? '') })} className={input}>
          <option value="">All kinds</option>
          {TOKEN_TYPES.map((t) => <option key={t} value={t}>{TOKEN_TYPE_LABELS[t]}</option>)}
        </select>
      </div>
      <div>
        <label htmlFor="f-status" className={label}>Status</label>
        <select id="f-status" value={params.status ?? ''} onChange={(e) => onChange({ status: e.target.value })} className={input}>
          <option value="">Any status</option>
          {statuses.map((s) => <option key={s} value={s}>{TOKEN_STATUS_LABELS[s]}</option>)}
        </select>
      </div>
      <div>
        <label htmlFor="f-user" className={label}>User</label>
        <input id="f-user" name="user" defaultValue={params.user ?? ''} placeholder="email, username or id" className={input} />
      </div>
      <div>
        <label htmlFor="f-client" className={label}>Client</label>
        <input id="f-client" name="client" defaultValue={params.client ?? ''} placeholder="client_id or name" className={input} />
      </div>
      <div>
        <label htmlFor="f-team" className={label}>Team</label>
        <input id="f-team" name="team" defaultValue={params.team ?? ''} placeholder="team name or id" className={input} />
      </div>
      <div className="flex items-end gap-2 sm:col-span-3">
        <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">Apply</button>
        <button type="button" onClick={() => onChange({ type: '', status: '', user: '', client: '', team: '', q: '' })} className="rounded-md px-2 py-1.5 text-sm text-slate-600 underline">Clear</button>
      </div>
    </form>
  );
}

function TokenTable({ rows, busy }: { rows: TTokenRowView[]; busy: boolean }) {
  return (
    <ListTable label="Tokens and grants" busy={busy}>
      <TableHead columns={['Kind', 'Status', 'Belongs to', 'Token', 'When (UTC)', { label: 'Actions', className: 'py-1 font-medium', srOnly: true }]} />
      <tbody>
        {rows.map((r) => <TokenRow key={`${r.type}:${r.id}`} row={r} />)}
      </tbody>
    </ListTable>
  );
}

function TokenRow({ row }: { row: TTokenRowView }) {
  const what = row.type === 'personal' || row.type === 'team' ? `${row.detail ?? ''} ${row.prefix ? `${row.prefix}…` : ''}` : row.type === 'access' ? `${row.detail === 'client_credentials' ? 'client credentials' : 'OAuth'} · ${row.scope || 'no scope'}` : row.scope || 'no scope';
  return (
    <tr className="border-t border-slate-100 align-top" data-testid="token-row" data-type={row.type} data-status={row.status}>
      <td className="py-2 pr-3"><span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${TYPE_STYLE[row.type]}`}>{TOKEN_TYPE_LABELS[row.type]}</span></td>
      <td className="py-2 pr-3">
        <span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[row.status]}`} title={row.revokedReason ? `revoked: ${row.revokedReason}` : undefined}>{TOKEN_STATUS_LABELS[row.status]}</span>
        {row.keyBound ? <KeyBoundBadge /> : null}
        {row.type === 'refresh' && row.familyRevoked && row.status !== 'reused' ? <span className="mt-1 block text-xs font-medium text-red-800">Family revoked on reuse — likely theft</span> : null}
        {row.graceRetries ? <span className="mt-1 block text-xs text-amber-800" title="A client retried a just-rotated token inside the grace window and got the same answer: lost responses, not theft.">{row.graceRetries} grace-window {row.graceRetries === 1 ? 'retry' : 'retries'}{row.lastRetryAt ? `, last ${when(row.lastRetryAt)}` : ''}</span> : null}
      </td>
      <td className="min-w-[11rem] py-2 pr-3">
        {row.user ? <span className="block break-all text-slate-900">{row.user}</span> : null}
        {row.client ? (
          <span className="block text-slate-700">
            {row.client.name} <span className="font-mono text-xs break-all text-slate-500">{row.client.clientId}</span>
          </span>
        ) : null}
        {row.team ? <span className="block text-slate-700">Team {row.team}</span> : null}
        {!row.user && !row.client && !row.team ? '—' : null}
      </td>
      <td className="py-2 pr-3">
        <span className="block text-slate-800">{what}</span>
        <span className="block font-mono text-xs text-slate-500" title={row.id}>{row.id.slice(0, 13)}…</span>
      </td>
      <td className="py-2 pr-3 whitespace-nowrap text-xs text-slate-600">
        <dl className="grid grid-cols-[auto_auto] gap-x-2">
          <dt className="text-slate-500">created</dt>
          <dd>{when(row.createdAt)}</dd>
          <dt className="text-slate-500">last used</dt>
          <dd>{row.type === 'access' ? <span title="Access tokens are verified by signature; their use is not recorded">not recorded</span> : when(row.lastUsedAt)}</dd>
          {row.type === 'grant' || row.type === 'team' ? null : (
            <>
              <dt className="text-slate-500">expires</dt>
              <dd>{row.expiresAt ? when(row.expiresAt) : 'never'}</dd>
            </>
          )}
        </dl>
      </td>
      <td className="py-2 text-right"><RevokeOne row={row} /></td>
    </tr>
  );
}

function RevokeOne({ row }: { row: TTokenRowView }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const live = row.status === 'active' || row.status === 'rotated';
  if (!live) return message ? <span role="status" className="text-xs text-emerald-800">{message.text}</span> : null;
  const name = `${TOKEN_TYPE_LABELS[row.type].toLowerCase()} ${row.id.slice(0, 8)}`;
  async function revoke() {
    setPending(true);
    try {
      const result = await revokeTokenAction({ type: row.type, id: row.id });
      setMessage({ ok: result.ok, text: result.message });
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: [LIST] });
    } catch {
      setMessage({ ok: false, text: 'The revocation failed. Try again.' });
    } finally {
      setPending(false);
    }
  }
  if (!confirming) {
    return (
      <span className="flex flex-col items-end gap-1">
        <button type="button" onClick={() => { setConfirming(true); setMessage(null); }} aria-label={`Revoke ${name}`} className="rounded-md border border-red-300 px-2 py-1 text-xs text-red-800 hover:bg-red-50">Revoke</button>
        {message ? <span role="status" className={`text-xs ${message.ok ? 'text-emerald-800' : 'text-red-700'}`}>{message.text}</span> : null}
      </span>
    );
  }
  return (
    <span className="flex flex-col items-end gap-1">
      <span className="text-xs text-slate-700">{row.type === 'grant' ? 'With all its tokens?' : row.type === 'refresh' ? 'With its whole family?' : 'Revoke it?'}</span>
      <span className="flex gap-1">
        <button type="button" disabled={pending} onClick={revoke} className="rounded-md bg-red-700 px-2 py-1 text-xs font-medium text-white hover:bg-red-800 disabled:opacity-60">{pending ? 'Revoking…' : `Confirm revoke`}</button>
        <button type="button" disabled={pending} onClick={() => setConfirming(false)} className="rounded-md border border-slate-300 px-2 py-1 text-xs">Cancel</button>
      </span>
    </span>
  );
}

type Owner = 'user' | 'client' | 'team';

function BulkRevoke({ params }: { params: TListParams }) {
  const queryClient = useQueryClient();
  const fromFilter: Owner = params.user ? 'user' : params.client ? 'client' : params.team ? 'team' : 'user';
  const [owner, setOwner] = useState<Owner>(fromFilter);
  const [value, setValue] = useState(params[fromFilter] ?? '');
  const [preview, setPreview] = useState<TBulkPreview | null>(null);
  const [done, setDone] = useState<TBulkPreview | null>(null);
  const [pending, setPending] = useState(false);

  async function run(action: () => Promise<TBulkPreview>, after: (r: TBulkPreview) => void) {
    setPending(true);
    try {
      after(await action());
    } catch {
      after({ ok: false, message: 'That did not work. Try again.' });
    } finally {
      setPending(false);
    }
  }
  function onPreview(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(() => previewBulkRevokeAction({ owner, value }), setPreview);
  }
  function onConfirm() {
    const target = preview?.target;
    if (!target) return;
    void run(() => bulkRevokeAction({ owner: target.owner, id: target.id }), async (result) => {
      setDone(result);
      setPreview(null);
      await queryClient.invalidateQueries({ queryKey: [LIST] });
    });
  }
  const total = preview?.counts ? Object.values(preview.counts).reduce((a, b) => a + b, 0) : 0;
  return (
    <Card title="Revoke everything of a user, client or team">
      <form onSubmit={onPreview} aria-label="Bulk revocation" className="grid gap-3 sm:grid-cols-6">
        <div>
          <label htmlFor="bulk-owner" className={label}>Of a</label>
          <select id="bulk-owner" value={owner} onChange={(e) => { setOwner(e.target.value as Owner); setPreview(null); }} className={input}>
            <option value="user">User</option>
            <option value="client">Client</option>
            <option value="team">Team</option>
          </select>
        </div>
        <div className="sm:col-span-3">
          <label htmlFor="bulk-value" className={label}>{owner === 'user' ? 'Email, username or id' : owner === 'client' ? 'client_id, id or name' : 'Team name or id'}</label>
          <input id="bulk-value" value={value} onChange={(e) => { setValue(e.target.value); setPreview(null); }} aria-describedby={preview?.fieldErrors?.value ? 'bulk-error' : undefined} className={input} />
          {preview?.fieldErrors?.value ? <p id="bulk-error" className="mt-1 text-xs text-red-700">{preview.fieldErrors.value}</p> : null}
        </div>
        <div className="flex items-end sm:col-span-2">
          <button type="submit" disabled={pending} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-60">{pending && !preview ? 'Counting…' : 'Preview revocation'}</button>
        </div>
      </form>
      {preview?.ok ? (
        <div className="mt-4 rounded-md border border-red-200 bg-red-50 p-3" data-testid="bulk-preview">
          <p role="status" className="text-sm text-red-900">{preview.message}</p>
          <div className="mt-2 flex gap-2">
            <button type="button" onClick={onConfirm} disabled={pending || total === 0} className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60">
              {pending ? 'Revoking…' : total === 0 ? 'Nothing to revoke' : `Confirm: revoke ${total.toLocaleString('en')}`}
            </button>
            <button type="button" onClick={() => setPreview(null)} disabled={pending} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm">Cancel</button>
          </div>
        </div>
      ) : preview ? (
        <p role="status" className="mt-3 text-sm text-red-700">{preview.message}</p>
      ) : null}
      <ResultMessage result={done} className="mt-3 text-sm" />
    </Card>
  );
}
