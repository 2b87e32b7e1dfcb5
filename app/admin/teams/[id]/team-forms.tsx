'use client';

import { useActionState, useState } from 'react';
import { ActionForm, SecretOnce, buttonClass } from '@/components/admin/action-form';
import { ResultMessage } from '@/components/ui/result-message';
import type { TActionResult } from '@/lib/server/action-result';
import {
  addMemberAction,
  assignWorkspaceAction,
  issueTokenAction,
  makeOwnerAction,
  removeMemberAction,
  revokeTokenAction,
  setActiveAction,
  setToolsAction,
  unassignWorkspaceAction,
  type TMemberFormState,
  type TToolsFormState,
} from '../actions';

const input = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm aria-[invalid=true]:border-red-600';

/** An in-page confirmation: the question, the explicit confirm button, and Cancel. */
function ConfirmStep({ question, label, pending, onCancel }: { question: string; label: string; pending: boolean; onCancel: () => void }) {
  return (
    <div role="group" aria-label={label} className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 p-2">
      <span className="text-sm text-red-900">{question}</span>
      <button type="submit" disabled={pending} className={buttonClass.confirm} autoFocus>{pending ? 'Working…' : label}</button>
      <button type="button" onClick={onCancel} className={buttonClass.neutral}>Cancel</button>
    </div>
  );
}

/**
 * Issue (or rotate) shows the new token once; rotate and revoke ask first. The
 * panel owns both results, so they survive the page re-rendering without a token.
 */
export function TeamTokenPanel({ teamId, hasToken }: { teamId: string; hasToken: boolean }) {
  const [issued, issue, issuing] = useActionState(issueTokenAction, null);
  const [revoked, revoke, revoking] = useActionState<TActionResult | null, FormData>(revokeTokenAction, null);
  const [asking, setAsking] = useState<'rotate' | 'revoke' | null>(null);
  const [latest, setLatest] = useState<'issue' | 'revoke' | null>(null);
  const shown = latest === 'revoke' ? revoked : issued;
  return (
    <div className="space-y-3">
      {latest === 'issue' && issued?.ok && issued.token ? <SecretOnce label="The new team token" secret={issued.token} testId="new-team-token" /> : null}
      {shown && !(latest === 'issue' && shown.ok) ? <ResultMessage result={shown} /> : null}
      <div className="flex flex-wrap items-start gap-3">
        <form action={issue} onSubmit={() => { setAsking(null); setLatest('issue'); }}>
          <input type="hidden" name="teamId" value={teamId} />
          {!hasToken ? (
            <button type="submit" disabled={issuing} className={buttonClass.primary}>{issuing ? 'Issuing…' : 'Issue token'}</button>
          ) : asking === 'rotate' ? (
            <ConfirmStep question="The current token stops working at once." label="Confirm rotating" pending={issuing} onCancel={() => setAsking(null)} />
          ) : (
            <button type="button" onClick={() => setAsking('rotate')} className={buttonClass.danger}>Rotate token</button>
          )}
        </form>
        {hasToken ? (
          <form action={revoke} onSubmit={() => { setAsking(null); setLatest('revoke'); }}>
            <input type="hidden" name="teamId" value={teamId} />
            {asking === 'revoke' ? (
              <ConfirmStep question="Anything using the team token stops working at once." label="Confirm revoking" pending={revoking} onCancel={() => setAsking(null)} />
            ) : (
              <button type="button" onClick={() => setAsking('revoke')} className={buttonClass.danger}>Revoke token</button>
            )}
          </form>
        ) : null}
      </div>
    </div>
  );
}

export function MemberActions({ teamId, userId, email }: { teamId: string; userId: string; email: string }) {
  return (
    <div className="flex flex-wrap items-start gap-2">
      <ActionForm
        action={makeOwnerAction}
        fields={{ teamId, userId }}
        label="Make owner"
        confirm={{ question: `Make ${email} the owner? The current owner stays a member.`, label: 'Confirm new owner' }}
      />
      <ActionForm
        action={removeMemberAction}
        fields={{ teamId, userId }}
        label="Remove"
        tone="danger"
        confirm={{ question: `Remove ${email}? They lose the team's workspaces at once.`, label: 'Confirm removing' }}
      />
    </div>
  );
}

export function AddMemberForm({ teamId }: { teamId: string }) {
  const [state, action, pending] = useActionState<TMemberFormState | null, FormData>(addMemberAction, null);
  const error = state?.fieldErrors?.email;
  return (
    <form key={JSON.stringify(state)} action={action} className="flex flex-wrap items-end gap-3" aria-label="Add a member">
      <input type="hidden" name="teamId" value={teamId} />
      <div className="w-80">
        <label htmlFor="member-email" className="text-sm font-medium text-slate-800">Member email</label>
        <input id="member-email" name="email" type="email" required defaultValue={state?.values?.email ?? ''} aria-invalid={Boolean(error)} aria-describedby={error ? 'member-email-error' : undefined} className={input} />
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? 'Adding…' : 'Add member'}</button>
      <div className="w-full">
        {error ? <p id="member-email-error" className="text-xs text-red-700">{error}</p> : null}
        <ResultMessage result={state} />
      </div>
    </form>
  );
}

export function AssignWorkspaceForm({ teamId, choices }: { teamId: string; choices: { id: string; key: string; name: string }[] }) {
  const [state, action, pending] = useActionState<TActionResult | null, FormData>(assignWorkspaceAction, null);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" aria-label="Assign a workspace">
      <input type="hidden" name="teamId" value={teamId} />
      <div className="w-80">
        <label htmlFor="assign-workspace" className="text-sm font-medium text-slate-800">Workspace</label>
        <select id="assign-workspace" name="workspaceId" required defaultValue="" className={`${input} bg-white`}>
          <option value="" disabled>Choose a workspace…</option>
          {choices.map((w) => (
            <option key={w.id} value={w.id}>{w.name} ({w.key})</option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? 'Assigning…' : 'Assign workspace'}</button>
      <div className="w-full">
        {state?.fieldErrors?.workspaceId ? <p className="text-xs text-red-700">{state.fieldErrors.workspaceId}</p> : null}
        <ResultMessage result={state} />
      </div>
    </form>
  );
}

export function UnassignWorkspaceButton({ teamId, workspaceId, keyName }: { teamId: string; workspaceId: string; keyName: string }) {
  return (
    <ActionForm
      action={unassignWorkspaceAction}
      fields={{ teamId, workspaceId }}
      label="Unassign"
      tone="danger"
      confirm={{ question: `Members and the team token lose ${keyName} at once.`, label: 'Confirm unassigning' }}
    />
  );
}

export function ToolsForm({ teamId, tools }: { teamId: string; tools: string }) {
  const [state, action, pending] = useActionState<TToolsFormState | null, FormData>(setToolsAction, null);
  const error = state?.fieldErrors?.tools;
  return (
    <form key={JSON.stringify(state)} action={action} className="max-w-2xl" aria-label="Team token tools">
      <input type="hidden" name="teamId" value={teamId} />
      <label htmlFor="team-tools" className="text-sm font-medium text-slate-800">Tools the team token may call</label>
      <div className="flex items-start gap-3">
        <input id="team-tools" name="tools" defaultValue={state?.values?.tools ?? tools} aria-invalid={Boolean(error)} aria-describedby={error ? 'team-tools-error' : 'team-tools-help'} className={`${input} font-mono`} />
        <button type="submit" disabled={pending} className={`${buttonClass.primary} mt-1 shrink-0 py-2`}>{pending ? 'Saving…' : 'Save tools'}</button>
      </div>
      {error ? (
        <p id="team-tools-error" className="mt-1 text-xs text-red-700">{error}</p>
      ) : (
        <p id="team-tools-help" className="mt-1 text-xs text-slate-600">Tool names separated by spaces or commas; * for every tool.</p>
      )}
      {state?.ok ? <div className="mt-2"><ResultMessage result={state} /></div> : null}
    </form>
  );
}

export function TeamStatusForm({ teamId, active }: { teamId: string; active: boolean }) {
  return (
    <ActionForm
      action={setActiveAction}
      fields={{ teamId, active: String(!active) }}
      label={active ? 'Deactivate team' : 'Reactivate team'}
      tone={active ? 'danger' : 'primary'}
      confirm={active ? { question: 'Its token stops working and its workspaces stop counting for its members until it is reactivated.', label: 'Confirm deactivating' } : undefined}
    />
  );
}
