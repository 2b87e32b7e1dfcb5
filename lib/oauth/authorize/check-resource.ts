// The resource (RFC 8707 §2) becomes the grant's audience.
import type { OAuthContext } from '../context.ts';
import { checkResource } from '../resource.ts';
import type { AuthorizationParams } from './request.ts';

export async function checkRequestedResource(ctx: OAuthContext, params: AuthorizationParams): Promise<string | null> {
  const servers = await ctx.store.listResourceServers();
  return checkResource(params.resource, servers.map((s) => s.url));
}
