// The benchmarked endpoints: for each, the request autocannon sends to a server
// and what counts as a success. Single-use credentials (codes, refresh tokens,
// tokens to revoke) come from the server's seeded pools, each sent once.
import { dpopProofSigner } from './dpop-proof.ts';
import type { Endpoint, RunningServer } from './types.ts';

export const ENDPOINTS: Endpoint[] = ['metadata', 'jwks', 'client_credentials', 'code_exchange', 'refresh', 'refresh_dpop', 'introspect_jwt', 'introspect_personal', 'revoke'];

export const ENDPOINT_LABELS: Record<Endpoint, string> = {
  metadata: 'metadata GET',
  jwks: 'JWKS GET',
  client_credentials: 'token: client_credentials',
  code_exchange: 'token: authorization_code',
  refresh: 'token: refresh_token',
  refresh_dpop: 'token: refresh_token, DPoP-bound',
  introspect_jwt: 'introspect: JWT access token',
  introspect_personal: 'introspect: personal token',
  revoke: 'revoke: refresh token',
};

/** The endpoints the goal speaks of: introspection and the token endpoint. */
export const GOAL_ENDPOINTS: Endpoint[] = ['client_credentials', 'code_exchange', 'refresh', 'introspect_jwt', 'introspect_personal'];

export type Pool = { take(): string | null; remaining(): number };

export type RequestPlan = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A fixed body, or one built per request from a pool. */
  body?: string;
  next?: () => string | null;
  /** Headers made afresh for each request (a DPoP proof). */
  nextHeaders?: () => Record<string, string>;
  /** Sent when `next` has run dry, until the run stops: an unknown credential. */
  exhaustedBody?: string;
  /** Whether a 2xx body is a real success (e.g. an active introspection). */
  verifyBody?: (body: string) => boolean;
  /** What the row measures when it is not the obvious thing. */
  note?: string;
};

// One cursor per seeded list, shared by every plan made from it (the check
// before the run, the warm-up and the run): a credential is never sent twice.
// Sending one twice would be a replay, and a replayed code rightly revokes what
// was issued from it (in node-oidc-provider, the whole grant).
const cursors = new WeakMap<object, number>();

function pool<T>(items: T[], encode: (item: T) => string): Pool {
  return {
    take: () => {
      const next = cursors.get(items) ?? 0;
      if (next >= items.length) return null;
      cursors.set(items, next + 1);
      return encode(items[next]);
    },
    remaining: () => items.length - (cursors.get(items) ?? 0),
  };
}

const form = (fields: Record<string, string | null | undefined>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v) params.set(k, v);
  return params.toString();
};

/** The request for `endpoint` at `server`, or null where the server has no such thing. */
export function planFor(endpoint: Endpoint, server: RunningServer, introspectionJwt: string | null): RequestPlan | null {
  const { seeds, paths } = server;
  const post = {
    method: 'POST' as const,
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(seeds.client.id)}:${encodeURIComponent(seeds.client.secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
  };
  const active = (body: string) => body.includes('"active":true');
  switch (endpoint) {
    case 'metadata':
      return { method: 'GET', path: paths.metadata, headers: {} };
    case 'jwks':
      return { method: 'GET', path: paths.jwks, headers: {} };
    case 'client_credentials':
      return { ...post, path: paths.token, body: form({ grant_type: 'client_credentials', scope: 'mcp:tools', resource: seeds.resource }) };
    case 'code_exchange': {
      const codes = pool(seeds.codes, (c) => form({ grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: seeds.redirectUri }));
      return { ...post, path: paths.token, next: codes.take, exhaustedBody: form({ grant_type: 'authorization_code', code: 'exhausted', code_verifier: 'x'.repeat(43), redirect_uri: seeds.redirectUri }) };
    }
    case 'refresh': {
      const tokens = pool(seeds.refresh, (t) => form({ grant_type: 'refresh_token', refresh_token: t }));
      return { ...post, path: paths.token, next: tokens.take, exhaustedBody: form({ grant_type: 'refresh_token', refresh_token: 'exhausted' }) };
    }
    case 'refresh_dpop': {
      // A public client's key-bound refresh tokens, each with a proof made with that key.
      const bound = seeds.dpopRefresh;
      if (!bound) return null;
      const tokens = pool(bound.tokens, (t) => form({ grant_type: 'refresh_token', refresh_token: t, client_id: bound.clientId }));
      const proof = dpopProofSigner(bound.key, `${server.url}${paths.token}`);
      return {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        path: paths.token,
        next: tokens.take,
        nextHeaders: () => ({ dpop: proof() }),
        exhaustedBody: form({ grant_type: 'refresh_token', refresh_token: 'exhausted', client_id: bound.clientId }),
        verifyBody: (body) => body.includes('"token_type":"DPoP"'),
        note: 'a fresh ES256 proof per request',
      };
    }
    case 'introspect_jwt': {
      const token = seeds.introspectToken?.token ?? introspectionJwt;
      if (!token) return null;
      return { ...post, path: paths.introspect, body: form({ token, token_type_hint: 'access_token' }), verifyBody: active, note: seeds.introspectToken?.note };
    }
    case 'introspect_personal':
      if (!seeds.personalToken) return null;
      return { ...post, path: paths.introspect, body: form({ token: seeds.personalToken }), verifyBody: active };
    case 'revoke': {
      const tokens = pool(seeds.revoke, (t) => form({ token: t, token_type_hint: 'refresh_token' }));
      return { ...post, path: paths.revoke, next: tokens.take, exhaustedBody: form({ token: 'exhausted', token_type_hint: 'refresh_token' }) };
    }
  }
}
