// The trust policy for Client ID Metadata Documents (MCP authorization
// 2026-07-28, "Trust Policies"; draft-ietf-oauth-client-id-metadata-document
// §8.5, §8.9): GATEHOUSE_CIMD_TRUSTED_HOSTS names the hosts whose documents
// Gatehouse fetches — exact host names, or `*.example.com` for any host below
// example.com (not example.com itself). A document elsewhere is refused before
// anything is fetched.
import { invalidClient } from './errors.ts';

/** null: any public host (the fetch still refuses non-public addresses); empty: none. */
export type TrustedDocumentHosts = readonly string[] | null;

const LABELS = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/** Why a configured entry is not a host or `*.` wildcard, or null. Entries are compared lowercase. */
export function trustedHostProblem(entry: string): string | null {
  const host = entry.startsWith('*.') ? entry.slice(2) : entry;
  if (!LABELS.test(host)) return 'must be a host name such as mcp.example.com, or *.example.com (no scheme, port or path)';
  if (entry.startsWith('*.') && !host.includes('.')) return 'must keep at least two labels after the wildcard (*.example.com, not *.com)';
  return null;
}

export function isTrustedDocumentHost(hostname: string, trusted: TrustedDocumentHosts): boolean {
  if (trusted === null) return true;
  const host = hostname.toLowerCase();
  return trusted.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry));
}

/** Throws invalid_client when the document's host is not trusted; call before fetching it. */
export function checkTrustedDocumentHost(clientId: string, trusted: TrustedDocumentHosts): void {
  const { hostname } = new URL(clientId);
  if (!isTrustedDocumentHost(hostname, trusted)) {
    throw invalidClient(`client metadata documents from ${hostname} are not accepted by this server`);
  }
}
