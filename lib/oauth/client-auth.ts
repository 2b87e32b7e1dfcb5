// Client authentication at the token, revocation and introspection endpoints
// (RFC 6749 §2.3.1, RFC 7591 §2 token_endpoint_auth_method): client_secret_basic,
// client_secret_post, private_key_jwt (RFC 7523 §2.2, lib/oauth/client-assertion.ts),
// or none for public clients. Exactly one method per request, and only the
// method the client is registered with.
import { hashToken, safeEqual } from '../crypto.ts';
import { assertionSubject, checkClientAssertion, JWT_BEARER_ASSERTION_TYPE } from './client-assertion.ts';
import type { OAuthContext } from './context.ts';
import { invalidClient, invalidRequest } from './errors.ts';
import type { OAuthClient } from './ports.ts';

export type ClientCredentialsInput = {
  authorization: string | null;
  body: Record<string, string | undefined>;
  ip?: string | null;
  userAgent?: string | null;
};

type Presented =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string }
  | { method: 'none'; clientId: string };

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before base64. */
function parseBasic(header: string): { clientId: string; secret: string } {
  const encoded = header.slice('basic '.length).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!/^[A-Za-z0-9+/=]+$/.test(encoded) || colon < 0) throw invalidRequest('malformed Basic authorization header');
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw invalidRequest('malformed Basic authorization header');
  }
}

export function readPresentedCredentials(input: ClientCredentialsInput): Presented | null {
  const header = input.authorization;
  const basic = header && /^basic /i.test(header) ? parseBasic(header) : null;
  const bodyId = input.body.client_id;
  const bodySecret = input.body.client_secret;
  const { client_assertion: assertion, client_assertion_type: assertionType } = input.body;
  const several = [basic !== null, bodySecret !== undefined, assertion !== undefined || assertionType !== undefined].filter(Boolean).length > 1;
  if (several) throw invalidRequest('use one client authentication method, not several');
  if (assertion !== undefined || assertionType !== undefined) {
    // RFC 7521 §4.2: both parameters, and the one assertion type Gatehouse accepts (RFC 7523 §2.2).
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
    if (!assertion) throw invalidRequest('client_assertion is required with client_assertion_type');
    const subject = assertionSubject(assertion);
    // client_id is optional beside an assertion (RFC 7521 §4.2); when sent it must name the same client.
    if (bodyId !== undefined && subject !== null && bodyId !== subject) throw invalidRequest('client_id does not match the client assertion');
    const clientId = bodyId ?? subject;
    if (clientId === null) throw invalidRequest('client_assertion is not a JWT naming its client in sub');
    return { method: 'private_key_jwt', clientId, assertion };
  }
  if (basic) {
    if (bodyId !== undefined && bodyId !== basic.clientId) throw invalidRequest('client_id does not match the authenticated client');
    return { method: 'client_secret_basic', ...basic };
  }
  if (bodyId === undefined) return null;
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  return { method: 'none', clientId: bodyId };
}

export async function authenticateClient(ctx: OAuthContext, input: ClientCredentialsInput): Promise<OAuthClient> {
  const presented = readPresentedCredentials(input);
  // Every 401 carries a challenge (RFC 9110 §15.5.2, RFC 6749 §5.2).
  const challenge = { 'WWW-Authenticate': 'Basic realm="gatehouse"' };
  if (!presented) throw invalidClient('client authentication is required', { headers: challenge });

  const client = await ctx.clients.resolve(presented.clientId);
  const fail = async (reason: string, description: string) => {
    await ctx.store.recordSecurityEvent({
      action: 'oauth.client_auth_failed',
      clientId: client?.clientId,
      targetType: 'client',
      targetId: presented.clientId.slice(0, 200),
      ip: input.ip,
      userAgent: input.userAgent,
      details: { reason, method: presented.method },
    });
    return invalidClient(description, { headers: challenge });
  };

  // Unknown clients get invalid_client so MCP clients know to register again.
  if (!client) throw await fail('unknown_client', 'unknown client');
  if (client.disabled) throw await fail('disabled', 'client is disabled');
  if (client.tokenEndpointAuthMethod === 'none') {
    if (presented.method !== 'none') throw await fail('unexpected_secret', 'this public client does not authenticate with a secret');
    return client;
  }
  if (presented.method === 'none') throw await fail('missing_secret', 'client authentication is required');
  // A key-based client never authenticates with a secret, nor a secret-based one with an assertion.
  if ((client.tokenEndpointAuthMethod === 'private_key_jwt') !== (presented.method === 'private_key_jwt')) {
    throw await fail('wrong_method', `this client authenticates with ${client.tokenEndpointAuthMethod === 'private_key_jwt' ? 'a signed client assertion (private_key_jwt)' : 'its client secret'}`);
  }
  if (presented.method === 'private_key_jwt') {
    const refusal = await checkClientAssertion(ctx, client, presented.assertion);
    if (refusal) throw await fail(refusal, 'client authentication failed');
    return client;
  }
  if (!client.secretHash || !safeEqual(hashToken(presented.secret), client.secretHash)) {
    throw await fail('bad_secret', 'client authentication failed');
  }
  return client;
}
