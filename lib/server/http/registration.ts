// POST /oauth/register — RFC 7591 §3; GET/PUT/DELETE /oauth/register/<client_id> — RFC 7592 §2.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deleteRegistration, readRegistration, registerClient, updateRegistration } from '../../oauth/client-registration.ts';
import { invalidRequest } from '../../oauth/errors.ts';
import { ENDPOINTS } from '../../oauth/metadata.ts';
import { BUILT_IN_SCOPES } from '../../oauth/scope.ts';
import type { AppContext } from '../context.ts';
import { getOAuthContext } from '../oauth/provider.ts';
import { clientIp, readJson } from './body.ts';
import { CORS, NO_STORE, sendEmpty, sendJson } from './respond.ts';

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match ? match[1] : null;
}

export async function handleRegistration(req: IncomingMessage, res: ServerResponse, app: AppContext, url: URL): Promise<void> {
  const ctx = getOAuthContext(app);
  const scopes = await ctx.store.listScopes();
  const registration = {
    issuer: app.config.issuer,
    now: ctx.now(),
    knownScopes: [...new Set([...BUILT_IN_SCOPES, ...scopes.map((s) => s.name)])],
    registrationEndpoint: `${app.config.issuer}${ENDPOINTS.registration}`,
    policy: app.config.registration,
    ip: clientIp(req),
    userAgent: req.headers['user-agent'] ?? null,
  };
  let clientId: string;
  try {
    clientId = decodeURIComponent(url.pathname.slice(ENDPOINTS.registration.length + 1));
  } catch {
    // Malformed percent-encoding (URIError): no client has such an identifier.
    throw invalidRequest('the client identifier in the path is not valid percent-encoding');
  }
  const token = bearerToken(req);
  const result =
    req.method === 'POST' && !clientId
      ? await registerClient(ctx.store, await readJson(req), registration)
      : req.method === 'GET'
        ? await readRegistration(ctx.store, clientId, token, registration)
        : req.method === 'PUT'
          ? await updateRegistration(ctx.store, clientId, token, await readJson(req), registration)
          : await deleteRegistration(ctx.store, clientId, token, registration);
  if (result.status === 204) return sendEmpty(res, 204, { ...NO_STORE, ...CORS });
  sendJson(res, result.status, result.body, { ...NO_STORE, ...CORS });
}
