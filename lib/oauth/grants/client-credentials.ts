// grant_type=client_credentials (RFC 6749 §4.4, OAuth 2.1 §4.2): confidential
// clients acting for themselves. No refresh token (RFC 6749 §4.4.3). Machine
// access is an administrator's decision: only admin-made clients, and only the
// scopes an administrator gave the client — no default scopes, since there is
// no user to consent to them.
import { signAccessToken } from '../access-token.ts';
import type { OAuthContext } from '../context.ts';
import type { DpopKey } from '../dpop.ts';
import { invalidScope, unauthorizedClient } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import { toolsOfScopes } from '../reach.ts';
import { checkResource, scopeForResource } from '../resource.ts';
import { parseScope, resolveRequestedScope } from '../scope.ts';
import { tokenResponse, type TokenResponse } from './token-response.ts';

export async function issueClientCredentialsToken(ctx: OAuthContext, client: OAuthClient, params: { scope?: string; resource?: string[]; dpop?: DpopKey | null }): Promise<TokenResponse> {
  if (client.tokenEndpointAuthMethod === 'none' || !client.grantTypes.includes('client_credentials')) {
    throw unauthorizedClient('this client may not use the client_credentials grant');
  }
  // Also for a self-registered row that lists the grant (registered before it was refused).
  if (client.source !== 'admin') throw unauthorizedClient('client_credentials is only for clients an administrator created');
  const clientScope = parseScope(client.scope);
  if (clientScope.length === 0) {
    throw invalidScope('this machine client has no scopes; an administrator must give it the scopes it may use');
  }
  const [definitions, servers] = await Promise.all([ctx.store.listScopes(), ctx.store.listResourceServers()]);
  const requested = parseScope(params.scope);
  // Without a requested scope a client gets what it was given.
  const resolved = resolveRequestedScope(requested, { known: definitions.map((d) => d.name), defaults: clientScope, clientScope });
  const resource = checkResource(params.resource, servers.map((s) => s.url));
  const scope = scopeForResource(resolved, { explicit: requested.length > 0, resource, servers });
  const access = await signAccessToken(ctx, {
    kind: 'client_credentials',
    subject: client.clientId,
    clientId: client.clientId,
    clientInternalId: client.id,
    userId: null,
    grantId: null,
    familyId: null,
    scope,
    resource,
    reach: { workspaces: [], tools: toolsOfScopes(scope, definitions) },
    jkt: params.dpop?.jkt ?? null,
  });
  await ctx.store.insertAccessToken(access.record);
  await ctx.store.touchClient(client.id, ctx.now());
  return tokenResponse(access, scope, null);
}
