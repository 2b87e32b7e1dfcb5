// Client authentication at the token, revocation and introspection endpoints
// (RFC 6749 §2.3.1, RFC 7591 §2 token_endpoint_auth_method): client_secret_basic,
// client_secret_post, or none for public clients. Exactly one method per request.
import { hashToken, safeEqual } from '../crypto.ts';
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
  if (basic && bodySecret !== undefined) throw invalidRequest('use one client authentication method, not several');
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
  if (!client.secretHash || !safeEqual(hashToken(presented.secret), client.secretHash)) {
    throw await fail('bad_secret', 'client authentication failed');
  }
  return client;
}
