// Requested scopes must be known and allowed to the client (RFC 6749 §3.3).
import type { OAuthContext } from '../context.ts';
import type { OAuthClient } from '../ports.ts';
import { BUILT_IN_SCOPES, parseScope, resolveRequestedScope } from '../scope.ts';
import type { AuthorizationParams } from './request.ts';

export async function checkScope(ctx: OAuthContext, client: OAuthClient, params: AuthorizationParams): Promise<string[]> {
  const definitions = await ctx.store.listScopes();
  const known = [...new Set([...BUILT_IN_SCOPES, ...definitions.map((d) => d.name)])];
  return resolveRequestedScope(parseScope(params.scope), {
    known,
    defaults: definitions.filter((d) => d.isDefault).map((d) => d.name),
    clientScope: parseScope(client.scope),
  });
}
