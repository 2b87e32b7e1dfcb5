// Before any load: one request per endpoint and server, checked for real
// success, so a misconfigured server shows up as a problem and not as speed.
// Also exchanges one code for the access token that introspection runs on.
import { planFor } from './endpoints.ts';
import type { Endpoint, RunningServer } from './types.ts';

async function send(server: RunningServer, method: string, pathname: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${server.url}${pathname}`, { method, headers, body });
  return { status: res.status, text: await res.text() };
}

export async function smokeTest(server: RunningServer): Promise<{ accessToken: string | null; problems: Partial<Record<Endpoint, string>> }> {
  const problems: Partial<Record<Endpoint, string>> = {};
  let accessToken: string | null = null;
  const order: Endpoint[] = ['metadata', 'jwks', 'client_credentials', 'code_exchange', 'refresh', 'refresh_dpop', 'introspect_jwt', 'introspect_personal', 'revoke'];
  for (const endpoint of order) {
    const plan = planFor(endpoint, server, accessToken);
    if (!plan) continue;
    const body = plan.next ? plan.next() ?? undefined : plan.body;
    try {
      const res = await send(server, plan.method, plan.path, { ...plan.headers, ...plan.nextHeaders?.() }, body);
      if (res.status < 200 || res.status > 299) problems[endpoint] = `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
      else if (plan.verifyBody && !plan.verifyBody(res.text)) problems[endpoint] = `unexpected answer: ${res.text.slice(0, 200)}`;
      else if (endpoint === 'code_exchange') accessToken = (JSON.parse(res.text) as { access_token?: string }).access_token ?? null;
    } catch (error) {
      problems[endpoint] = (error as Error).message;
    }
  }
  return { accessToken, problems };
}

/**
 * Revocation answers 200 whatever happens (RFC 7009 §2.2): after the runs, a
 * refresh token revoked by the check above must no longer refresh. (Checked
 * last: reusing a revoked refresh token is treated as theft and may revoke
 * more, e.g. in better-auth every refresh token of that client and user.)
 */
export async function revokedStaysRevoked(server: RunningServer): Promise<string | null> {
  const revoked = server.seeds.revoke[0];
  const plan = planFor('client_credentials', server, null)!;
  if (!revoked) return null;
  const reuse = await send(server, 'POST', server.paths.token, plan.headers, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: revoked }).toString());
  return reuse.status === 200 ? 'a revoked refresh token still refreshes' : null;
}
