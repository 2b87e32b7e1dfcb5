// Checks shared by the grants that redeem something issued under a user's grant
// (RFC 6749 §4.1.3 and §6: issued to this client; still valid).
import type { OAuthContext } from '../context.ts';
import { invalidGrant } from '../errors.ts';
import type { Grant, OAuthClient } from '../ports.ts';

export async function findGrantOfClient(ctx: OAuthContext, grantId: string, client: OAuthClient, what: string): Promise<Grant> {
  const grant = await ctx.store.findGrant(grantId);
  if (!grant || grant.clientId !== client.id) throw invalidGrant(`the ${what} was not issued to this client`);
  return grant;
}

/** A revoked grant, or a disabled user, ends everything issued under the grant. Returns the user's workspaces now. */
export async function assertGrantUsable(ctx: OAuthContext, grant: Grant): Promise<string[]> {
  if (grant.revokedAt) throw invalidGrant('the grant has been revoked');
  const workspaces = await ctx.store.activeUserWorkspaces(grant.userId);
  if (!workspaces) throw invalidGrant('the user is no longer active');
  return workspaces;
}
