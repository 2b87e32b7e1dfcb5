// Just-in-time provisioning for identities from the SSO edge or a direct OIDC
// sign-in: one user per email, admins by configured emails or groups.
import { isAdminIdentity, type ForwardedIdentity } from '../../identity/forward-auth.ts';
import type { UserCreatedVia } from '../db/users.ts';
import type { Db } from '../db/client.ts';
import { recordAudit } from '../db/audit.ts';
import { findUserByEmail, findUserByUsername, insertUser, recordUserSignIn, type User } from '../db/users.ts';

export type SignInOutcome =
  | { ok: true; user: User; created: boolean }
  | { ok: false; reason: 'disabled' | 'username_taken'; message: string };

type Policy = { adminEmails: string[]; adminGroups: string[] };

/** Minimum time between lastLoginAt updates, so a busy user does not write on every request. */
const SIGN_IN_REFRESH_MS = 60_000;

export async function signInExternalUser(
  db: Db,
  identity: ForwardedIdentity,
  policy: Policy,
  opts: { via?: Extract<UserCreatedVia, 'forward_auth' | 'oidc'>; now?: Date } = {},
): Promise<SignInOutcome> {
  const { via = 'forward_auth', now = new Date() } = opts;
  const makeAdmin = isAdminIdentity(identity, policy.adminEmails, policy.adminGroups);
  const existing = await findUserByEmail(db, identity.email);
  if (existing) {
    if (existing.disabled) return { ok: false, reason: 'disabled', message: 'This account has been disabled. Ask an administrator to re-enable it.' };
    const stale = !existing.lastLoginAt || now.getTime() - existing.lastLoginAt.getTime() > SIGN_IN_REFRESH_MS;
    if (!stale && (existing.isAdmin || !makeAdmin)) return { ok: true, user: existing, created: false };
    const user = await recordUserSignIn(db, existing.id, makeAdmin && !existing.isAdmin, now);
    if (makeAdmin && !existing.isAdmin) {
      await recordAudit(db, { actor: { type: 'system' }, action: 'user.promoted_admin', target: { type: 'user', id: user.id }, details: { via } });
    }
    return { ok: true, user, created: false };
  }

  // A different email with the same local part: refuse clearly rather than invent a suffix.
  const clash = await findUserByUsername(db, identity.username);
  // Not a clash but a race: a concurrent first request of this same identity created the row since the lookup above.
  if (clash && clash.email === identity.email.toLowerCase()) return signInExternalUser(db, identity, policy, opts);
  if (clash) {
    await recordAudit(db, {
      actor: { type: 'system' },
      action: 'user.provision_refused',
      target: { type: 'user', id: clash.id },
      details: { reason: 'username_taken', email: identity.email, username: identity.username },
    });
    return {
      ok: false,
      reason: 'username_taken',
      message: `The username "${identity.username}" already belongs to another account. Ask an administrator to resolve it.`,
    };
  }
  try {
    const user = await insertUser(db, { email: identity.email, username: identity.username, isAdmin: makeAdmin, createdVia: via }, now);
    await recordAudit(db, {
      actor: { type: 'system' },
      action: 'user.provisioned',
      target: { type: 'user', id: user.id },
      details: { via, email: user.email, admin: makeAdmin },
    });
    return { ok: true, user, created: true };
  } catch (error) {
    // Two first requests of one user racing: the other one created the row.
    const raced = await findUserByEmail(db, identity.email);
    if (raced) return { ok: true, user: raced, created: false };
    throw error;
  }
}
