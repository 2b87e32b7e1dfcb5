'use client';
// The client page's forms. Destructive steps ask once more on the page
// (a second, explicit "Confirm" button) before they act.
import { useActionState, useState, type ReactNode } from 'react';
import { redirectHost } from '@/lib/oauth/redirect-uri';
import type { ClientDeletionImpact } from '@/lib/server/db/clients';
import {
  deleteClientAction,
  replaceClientKeysAction,
  revokeClientGrantsAction,
  rotateClientSecretAction,
  setClientApprovedAction,
  setClientDisabledAction,
  updateClientAction,
  type TClientActionResult,
  type TRotateSecretState,
} from '../actions';
import { ClientKeyFields, SettingsFields, ShownOnce, type TSettingsValues } from '../settings-fields';

type Action<S> = (previous: S | null, form: FormData) => Promise<S>;

const primary = 'rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60';
const secondary = 'rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60';
const danger = 'rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60';
const dangerOutline = 'rounded-md border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-60';

function Result({ state }: { state: TClientActionResult | null }) {
  if (!state) return null;
  return <p role={state.ok ? 'status' : 'alert'} className={`text-sm ${state.ok ? 'text-emerald-700' : 'text-red-700'}`}>{state.message}</p>;
}

/**
 * A button that first opens a confirmation on the page: what will happen, a
 * "Confirm …" button that submits, and Cancel.
 */
function Confirmed<S extends TClientActionResult>({
  id,
  extra,
  action: serverAction,
  open: openLabel,
  confirm: confirmLabel,
  question,
  destructive = true,
  hidden = false,
  children,
}: {
  id: string;
  extra?: Record<string, string>;
  action: Action<S>;
  open: string;
  confirm: string;
  question: ReactNode;
  destructive?: boolean;
  /** Hides the button but keeps the last result on screen (e.g. nothing is left to revoke). */
  hidden?: boolean;
  children?: (state: S | null) => ReactNode;
}) {
  const [state, action, pending] = useActionState<S | null, FormData>(serverAction, null);
  const [asking, setAsking] = useState(false);
  return (
    <div className="space-y-3">
      {asking ? (
        <form action={(form) => { setAsking(false); action(form); }} className={`space-y-3 rounded-md border p-3 ${destructive ? 'border-red-200 bg-red-50' : 'border-slate-200 bg-slate-50'}`}>
          <input type="hidden" name="id" value={id} />
          {Object.entries(extra ?? {}).map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />)}
          <div className="text-sm text-slate-900">{question}</div>
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className={destructive ? danger : primary}>{confirmLabel}</button>
            <button type="button" onClick={() => setAsking(false)} className={secondary}>Cancel</button>
          </div>
        </form>
      ) : hidden ? null : (
        <button type="button" onClick={() => setAsking(true)} disabled={pending} className={destructive ? dangerOutline : secondary}>
          {pending ? 'Working…' : openLabel}
        </button>
      )}
      <Result state={state} />
      {children?.(state)}
    </div>
  );
}

export function EditClientForm({ id, values, scopes }: { id: string; values: TSettingsValues; scopes: string[] }) {
  const [state, action, pending] = useActionState<TClientActionResult | null, FormData>(updateClientAction, null);
  const errors = state?.fieldErrors ?? {};
  return (
    <form action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Edit the client">
      <input type="hidden" name="id" value={id} />
      <SettingsFields prefix="edit" values={values} errors={errors} scopes={scopes} />
      <div className="flex items-center gap-3 sm:col-span-2">
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Saving…' : 'Save changes'}</button>
        <Result state={state} />
      </div>
    </form>
  );
}

export function ReplaceKeysForm({ id, values }: { id: string; values: { jwks: string; jwksUri: string } }) {
  const [state, action, pending] = useActionState<TClientActionResult | null, FormData>(replaceClientKeysAction, null);
  return (
    <form action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Replace the client's keys">
      <input type="hidden" name="id" value={id} />
      <ClientKeyFields prefix="keys" values={values} errors={state?.fieldErrors ?? {}} />
      <div className="flex items-center gap-3 sm:col-span-2">
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Saving…' : 'Replace keys'}</button>
        <Result state={state} />
      </div>
    </form>
  );
}

export function RotateSecret({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Confirmed<TRotateSecretState>
      id={id}
      action={rotateClientSecretAction}
      open="Rotate secret…"
      confirm="Confirm: rotate secret"
      question="Issue a new secret? The current secret stops working at once; whatever uses it fails until it has the new one."
    >
      {(state) =>
        state?.clientSecret ? (
          <div className="rounded-md border border-emerald-300 bg-emerald-50 p-3">
            <ShownOnce label="New client secret" value={state.clientSecret} testId="rotated-client-secret" copied={copied} onCopy={() => navigator.clipboard?.writeText(state.clientSecret!).then(() => setCopied(true))} />
          </div>
        ) : null
      }
    </Confirmed>
  );
}

export function DisableClient({ id, disabled }: { id: string; disabled: boolean }) {
  const [state, action, pending] = useActionState<TClientActionResult | null, FormData>(setClientDisabledAction, null);
  if (disabled) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-slate-600">This client is disabled. Enabling it lets it get tokens again; its grants and unexpired tokens work again.</p>
        <form action={action}>
          <input type="hidden" name="id" value={id} />
          <input type="hidden" name="disabled" value="false" />
          <button type="submit" disabled={pending} className={secondary}>Enable client</button>
        </form>
        <Result state={state} />
      </div>
    );
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-600">A disabled client gets invalid_client at the token endpoint and cannot start sign-ins; its access tokens stop introspecting as active. Grants are kept, so enabling it again restores it.</p>
      <Confirmed
        id={id}
        extra={{ disabled: 'true' }}
        action={setClientDisabledAction}
        open="Disable client…"
        confirm="Confirm: disable client"
        question="Disable this client? It stops getting tokens at once."
      />
      <Result state={state} />
    </div>
  );
}

/** Approving vouches for a self-registered client (lib/oauth/client-trust.ts): it may be used under approval, and its errors go back to it at once. */
export function ApproveClient({ id, approved, approvalRequired, redirectUris }: { id: string; approved: boolean; approvalRequired: boolean; redirectUris: string[] }) {
  const [state, action, pending] = useActionState<TClientActionResult | null, FormData>(setClientApprovedAction, null);
  const hosts = [...new Set(redirectUris.map(redirectHost))];
  if (approved) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-slate-600">
          An administrator approved this client. {approvalRequired ? 'Withdrawing the approval stops it from getting tokens or starting sign-ins. ' : ''}
          Without approval, errors are shown to the user before anything is sent back to the client.
        </p>
        <Confirmed
          id={id}
          extra={{ approved: 'false' }}
          action={setClientApprovedAction}
          open="Withdraw approval…"
          confirm="Confirm: withdraw approval"
          question={approvalRequired ? 'Withdraw the approval? The client can’t be used until it is approved again.' : 'Withdraw the approval?'}
        />
        <Result state={state} />
      </div>
    );
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-600">
        This client registered itself; no administrator has checked it.{' '}
        {approvalRequired
          ? 'Until it is approved, users who try it are told it is waiting for approval, and the token endpoint refuses it.'
          : 'Approving it lets Gatehouse send authorization errors straight back to it, without showing them to the user first.'}{' '}
        Approve it only if you trust where it sends users back: {hosts.length ? hosts.join(', ') : 'no redirect URIs'}.
      </p>
      <form action={action}>
        <input type="hidden" name="id" value={id} />
        <input type="hidden" name="approved" value="true" />
        <button type="submit" disabled={pending} className={primary}>{pending ? 'Approving…' : 'Approve client'}</button>
      </form>
      <Result state={state} />
    </div>
  );
}

export function RevokeAllGrants({ id, count }: { id: string; count: number }) {
  return (
    <Confirmed
      id={id}
      hidden={count === 0}
      action={revokeClientGrantsAction}
      open={`Revoke all ${count} grant${count === 1 ? '' : 's'}…`}
      confirm={`Confirm: revoke ${count} grant${count === 1 ? '' : 's'}`}
      question={`Revoke all ${count} active grant${count === 1 ? '' : 's'} of this client? Their refresh and access tokens stop working, and each user has to consent again.`}
    />
  );
}

export function DeleteClient({ id, name, impact, metadataDocument }: { id: string; name: string; impact: ClientDeletionImpact; metadataDocument: boolean }) {
  return (
    <Confirmed
      id={id}
      action={deleteClientAction}
      open="Delete client…"
      confirm="Confirm: delete client"
      question={
        <>
          <p>Delete “{name}” for good? This also deletes:</p>
          <ul className="mt-1 list-disc pl-5" data-testid="delete-impact">
            <li>{impact.grants} grant{impact.grants === 1 ? '' : 's'} ({impact.activeGrants} active)</li>
            <li>{impact.liveRefreshTokens} live refresh token{impact.liveRefreshTokens === 1 ? '' : 's'}</li>
            <li>{impact.liveAccessTokens} live access token{impact.liveAccessTokens === 1 ? '' : 's'}</li>
          </ul>
          {metadataDocument ? (
            <p className="mt-1">Its metadata document URL is blocked too: the application is refused (“blocked by an administrator”) until you unblock it on the clients page.</p>
          ) : (
            <p className="mt-1">Anything using this client gets invalid_client; an MCP client will register again.</p>
          )}
        </>
      }
    />
  );
}
