// grant_type=client_credentials (RFC 6749 §4.4, OAuth 2.1 §4.2): confidential
// clients acting for themselves. No refresh token (RFC 6749 §4.4.3).
import { signAccessToken } from '../access-token.ts';
import type { OAuthContext } from '../context.ts';
import { unauthorizedClient } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import { toolsOfScopes } from '../reach.ts';
import { checkResource, scopeForResource } from '../resource.ts';
import { parseScope, resolveRequestedScope } from '../scope.ts';
import { tokenResponse, type TokenResponse } from './token-response.ts';

export async function issueClientCredentialsToken(ctx: OAuthContext, client: OAuthClient, params: { scope?: string; resource?: string[] }): Promise<TokenResponse> {
  if (client.tokenEndpointAuthMethod === 'none' || !client.grantTypes.includes('client_credentials')) {
    throw unauthorizedClient('this client may not use the client_credentials grant');
  }
  const [definitions, servers] = await Promise.all([ctx.store.listScopes(), ctx.store.listResourceServers()]);
  const clientScope = parseScope(client.scope);
  const requested = parseScope(params.scope);
  const resolved = resolveRequestedScope(requested, {
    known: definitions.map((d) => d.name),
    // Without a requested scope a client gets what it was registered for.
    defaults: clientScope.length ? clientScope : definitions.filter((d) => d.isDefault).map((d) => d.name),
    clientScope,
  });
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
  });
  await ctx.store.insertAccessToken(access.record);
  await ctx.store.touchClient(client.id, ctx.now());
  return tokenResponse(access, scope, null);
}
