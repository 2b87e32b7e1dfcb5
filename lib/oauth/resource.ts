// Resource indicators (RFC 8707 §2): an absolute URI without a fragment. Once
// any resource server is registered only registered ones are accepted.
import { invalidScope, invalidTarget } from './errors.ts';
import type { ResourceServerRecord } from './ports.ts';
import { isLoopbackHost } from './redirect-uri.ts';
import { BUILT_IN_SCOPES } from './scope.ts';
import { isUrl } from '../parse-url.ts';

/** Lower-cases scheme and host (RFC 3986 §6.2.2.1) and keeps everything else as sent. */
export function canonicalResource(value: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(value);
  if (!match) return value;
  return `${match[1].toLowerCase()}://${match[2].toLowerCase()}${match[3]}`;
}

export function resourceProblem(value: string): string | null {
  if (!isUrl(value)) return 'must be an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment';
  const url = new URL(value);
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'must be an https URL (or http on a loopback address)';
}

/**
 * Validates one requested resource. Returns the registered spelling when
 * servers are registered, the canonical form otherwise; null when none was asked.
 */
export function checkResource(requested: string[] | undefined, registered: string[]): string | null {
  if (!requested || requested.length === 0) return null;
  if (requested.length > 1) throw invalidTarget('only one resource may be requested per token');
  const [value] = requested;
  const problem = resourceProblem(value);
  if (problem) throw invalidTarget(`resource ${problem}`);
  const canonical = canonicalResource(value);
  if (registered.length === 0) return canonical;
  const match = registered.find((r) => canonicalResource(r) === canonical);
  if (!match) throw invalidTarget('resource is not a registered resource server');
  return match;
}

/**
 * At the token endpoint a `resource` may only repeat the one bound to the grant
 * (RFC 8707 §2.2: the client may narrow, and there is only one to narrow to).
 */
export function checkTokenRequestResource(requested: string[] | undefined, bound: string | null): void {
  if (!requested?.length) return;
  if (requested.length > 1 || !bound || canonicalResource(requested[0]) !== canonicalResource(bound)) {
    throw invalidTarget('resource does not match the authorization');
  }
}

/**
 * A registered resource server takes only the scopes it accepts (the identity
 * scopes always pass; an empty list accepts any). Scopes asked for outside them
 * are refused with invalid_scope (RFC 6749 §5.2); defaults are narrowed to them.
 */
export function scopeForResource(scope: string[], opts: { explicit: boolean; resource: string | null; servers: ResourceServerRecord[] }): string[] {
  const server = opts.resource ? opts.servers.find((s) => s.url === opts.resource) : undefined;
  if (!server || server.scopes.length === 0) return scope;
  const accepted = (s: string) => (BUILT_IN_SCOPES as readonly string[]).includes(s) || server.scopes.includes(s);
  const outside = scope.filter((s) => !accepted(s));
  if (outside.length === 0) return scope;
  if (opts.explicit) throw invalidScope(`${server.name} does not accept: ${outside.join(' ')}`);
  return scope.filter(accepted);
}
