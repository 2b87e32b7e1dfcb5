// Scopes (RFC 6749 §3.3): space-delimited, case-sensitive, order-insensitive.
import { invalidScope } from './errors.ts';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const BUILT_IN_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export function parseScope(value: string | null | undefined): string[] {
  if (!value) return [];
  const scopes = value.split(' ').filter(Boolean);
  for (const s of scopes) if (!SCOPE_TOKEN.test(s)) throw invalidScope(`"${s}" is not a valid scope token`);
  return [...new Set(scopes)];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

export function isSubset(requested: readonly string[], allowed: readonly string[]): boolean {
  return requested.every((s) => allowed.includes(s));
}

/**
 * The scopes a request gets: those asked for (each must be known and allowed
 * to the client), or the defaults when none were asked for.
 */
export function resolveRequestedScope(
  requested: string[],
  opts: { known: string[]; defaults: string[]; clientScope: string[] },
): string[] {
  const allowed = opts.clientScope.length ? opts.clientScope : opts.known;
  if (requested.length === 0) return opts.defaults.filter((s) => allowed.includes(s));
  const unknown = requested.filter((s) => !opts.known.includes(s));
  if (unknown.length) throw invalidScope(`unknown scope: ${unknown.join(' ')}`);
  const denied = requested.filter((s) => !allowed.includes(s));
  if (denied.length) throw invalidScope(`scope not allowed for this client: ${denied.join(' ')}`);
  return requested;
}
