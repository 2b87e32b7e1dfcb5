// The resource (RFC 8707 §2) becomes the grant's audience.
import type { OAuthContext } from '../context.ts';
import { checkResource, scopeForResource } from '../resource.ts';
import { parseScope } from '../scope.ts';
import type { AuthorizationParams } from './request.ts';

/** The audience, and the scopes narrowed to what a registered resource server accepts. */
export async function checkRequestedResource(ctx: OAuthContext, params: AuthorizationParams, scope: string[]): Promise<{ resource: string | null; scope: string[] }> {
  const servers = await ctx.store.listResourceServers();
  const resource = checkResource(params.resource, servers.map((s) => s.url));
  return { resource, scope: scopeForResource(scope, { explicit: parseScope(params.scope).length > 0, resource, servers }) };
}
