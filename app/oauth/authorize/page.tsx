// The consent page. The lean server path has already answered
// invalid requests and requests an existing grant covers; this page asks.
import type { Metadata } from 'next';
import { ConsentForm } from '@/components/consent/consent-form';
import { Card } from '@/components/ui/card';
import { AuthorizationError, readAuthorizationParams } from '@/lib/oauth/authorize/request';
import { validateAuthorizationRequest } from '@/lib/oauth/authorize/validate';
import { redirectHost } from '@/lib/oauth/redirect-uri';
import { requireUser } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { describeWorkspaces } from '@/lib/server/db/users';
import { createConsentTicket } from '@/lib/server/oauth/consent-ticket';
import { getOAuthContext } from '@/lib/server/oauth/provider';

export const metadata: Metadata = { title: 'Allow access?', referrer: 'no-referrer' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function toSearch(params: Record<string, string | string[] | undefined>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of [value ?? []].flat()) search.append(name, v);
  return search;
}

export default async function AuthorizePage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser();
  const app = getAppContext();
  const ctx = getOAuthContext(app);
  const search = toSearch(await searchParams);
  let request;
  try {
    request = await validateAuthorizationRequest(ctx, readAuthorizationParams(search));
  } catch (error) {
    if (!(error instanceof AuthorizationError)) throw error;
    return (
      <Card>
        <h1 className="text-xl font-semibold">This sign-in link is not valid</h1>
        <p className="mt-2 text-slate-600">{error.error.description}. Go back to the application and try again.</p>
      </Card>
    );
  }
  const [definitions, servers, workspaceKeys] = await Promise.all([ctx.store.listScopes(), ctx.store.listResourceServers(), ctx.store.listUserWorkspaces(user.id)]);
  const describe = (name: string) =>
    definitions.find((d) => d.name === name)?.description ??
    ({ openid: 'Confirm who you are', profile: 'See your name', email: 'See your email address', offline_access: 'Stay connected when you are away' } as Record<string, string>)[name] ??
    name;
  return (
    <ConsentForm
      view={{
        ticket: createConsentTicket(app.secret, user.id, search),
        clientName: request.client.name,
        clientId: request.client.clientId,
        unverified: request.client.source === 'admin' ? null : request.client.source,
        redirectHost: redirectHost(request.redirectUri),
        redirectUri: request.redirectUri,
        scopes: request.scope.map((name) => ({ name, description: describe(name) })),
        resource: request.resource ? { url: request.resource, name: servers.find((s) => s.url === request.resource)?.name ?? null } : null,
        workspaces: await describeWorkspaces(app.db, workspaceKeys),
        userEmail: user.email,
        keyBound: request.client.metadata.dpop_bound_access_tokens === true,
      }}
    />
  );
}
