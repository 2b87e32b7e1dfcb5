// What an operator may set on a client, checked the same way when it is
// created and when it is edited: redirect URIs as registration checks them
// (OAuth 2.1 §2.3.1, RFC 8252 §7.3 — lib/oauth/redirect-uri.ts), grant types
// that fit the client's kind, and scopes that exist in the scope table.
import { z } from 'zod';
import type { OAuthClient } from '../../oauth/ports.ts';
import { redirectUriProblem } from '../../oauth/redirect-uri.ts';

export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type TClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

export const ZClientName = z.string().trim().min(1, 'a name is required').max(200, 'at most 200 characters');
export const ZRedirectUris = z.array(z.string().trim().max(2000, 'a redirect URI has at most 2000 characters')).max(50, 'at most 50 redirect URIs');
export const ZGrantTypes = z.array(z.enum(CLIENT_GRANT_TYPES, { message: `grant must be one of ${CLIENT_GRANT_TYPES.join(', ')}` }));

/** The grants a client gets when none are named: what its kind can use. */
export function defaultGrants(input: { redirectUris: string[]; confidential: boolean }): TClientGrantType[] {
  if (input.redirectUris.length > 0) return ['authorization_code', 'refresh_token'];
  return input.confidential ? ['client_credentials'] : ['authorization_code', 'refresh_token'];
}

export type TClientSettings = {
  redirectUris: string[];
  grantTypes: TClientGrantType[];
  scope: string;
  canIntrospect: boolean;
  confidential: boolean;
};

/**
 * Adds an issue for each rule the settings break. `knownScopes` is the scope
 * table's names; null skips the check (the caller could not load them).
 */
export function checkClientSettings(input: TClientSettings, ctx: z.RefinementCtx, knownScopes: ReadonlySet<string> | null): void {
  input.redirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', path: ['redirectUris', i], message: `redirect URI ${uri} ${problem}` });
  });
  const grants = input.grantTypes.length ? input.grantTypes : defaultGrants(input);
  if (grants.includes('authorization_code') && input.redirectUris.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'the authorization_code grant needs at least one redirect URI' });
  }
  if (grants.includes('refresh_token') && !grants.includes('authorization_code')) {
    ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'refresh_token comes with authorization_code' });
  }
  if ((grants.includes('client_credentials') || input.canIntrospect) && !input.confidential) {
    ctx.addIssue({ code: 'custom', path: ['confidential'], message: 'client_credentials and introspection need a confidential client' });
  }
  if (knownScopes) {
    const unknown = input.scope.split(' ').filter((s) => s && !knownScopes.has(s));
    if (unknown.length) ctx.addIssue({ code: 'custom', path: ['scope'], message: `unknown scope ${unknown.join(', ')} (add it under Scopes first)` });
  }
}

/** RFC 9449 §5.2: the client must send DPoP proofs and gets only key-bound tokens (read by lib/oauth/token-endpoint.ts). */
export function dpopBoundOf(metadata: OAuthClient['metadata']): boolean {
  return metadata.dpop_bound_access_tokens === true;
}

/** The metadata with `dpop_bound_access_tokens` set, or dropped (false is the default, RFC 9449 §5.2). */
export function withDpopBound(metadata: OAuthClient['metadata'], on: boolean): OAuthClient['metadata'] {
  const { dpop_bound_access_tokens: _dropped, ...rest } = metadata;
  return on ? { ...rest, dpop_bound_access_tokens: true } : rest;
}

/** Space-separated, trimmed, without duplicates; empty means any known scope. */
export function normalizeScope(scope: string): string {
  return [...new Set(scope.split(/\s+/).filter(Boolean))].join(' ');
}

/** First message per field, for forms; nested paths (redirectUris.2) count as their field. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[String(issue.path[0] ?? 'form')] ??= issue.message;
  return out;
}
