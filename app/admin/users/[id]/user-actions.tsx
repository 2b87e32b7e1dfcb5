'use client';
// Each slot keeps one form whose props follow the user's state, so the result
// of "Make admin" is still shown after the page re-renders as an admin's.
import { ActionForm } from '@/components/admin/action-form';
import { disableUserAction, enableUserAction, setAdminAction } from '../actions';

export function UserActions({ userId, isAdmin, disabled, isSelf }: { userId: string; isAdmin: boolean; disabled: boolean; isSelf: boolean }) {
  return (
    <div className="flex flex-wrap items-start gap-4">
      {isAdmin && isSelf ? (
        <p className="text-sm text-slate-600">You cannot remove your own admin rights or disable yourself.</p>
      ) : (
        <ActionForm
          action={setAdminAction}
          fields={{ userId, isAdmin: String(!isAdmin) }}
          label={isAdmin ? 'Remove admin rights' : 'Make admin'}
          tone={isAdmin ? 'danger' : 'primary'}
          confirm={isAdmin ? { question: 'They lose access to this console at once.', label: 'Confirm removing admin rights' } : undefined}
        />
      )}
      {isSelf ? null : (
        <ActionForm
          action={disabled ? enableUserAction : disableUserAction}
          fields={{ userId }}
          label={disabled ? 'Enable user' : 'Disable user'}
          tone={disabled ? 'primary' : 'danger'}
          confirm={disabled ? undefined : { question: 'This revokes all of their grants and tokens now; enabling them again does not restore those.', label: 'Confirm disabling' }}
        />
      )}
    </div>
  );
}
