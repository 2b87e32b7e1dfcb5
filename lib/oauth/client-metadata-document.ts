// OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document),
// as the MCP authorization specification requires: a client_id that is an https
// URL names a JSON document, published by the client, holding its metadata.
//
// Fetching a URL chosen by anyone who can reach the authorization endpoint is
// a server-side request forgery risk, so the fetch:
//   - resolves the host name itself and refuses any non-public address
//     (private, loopback, link-local, CGNAT, multicast, unspecified, reserved,
//     and IPv6 forms embedding such an IPv4 address), then connects to the
//     address it checked (no second resolution: no DNS rebinding);
//   - follows no redirect, reads at most `maxBytes`, and gives up after
//     `fetchTimeoutMs` for the whole exchange (lookup, connect, headers, body);
//   - is not an oracle: whatever stopped it (a refused connection, a status, a
//     timeout, an address), the caller hears one message, FETCH_FAILED_DESCRIPTION,
//     and the reason goes to the log only (OAuthError.detail); a failure is
//     remembered per document URL for a minute, so asking again sends nothing;
//   - sends a host at most a few requests a minute (per name, and per address
//     it resolves to, so many names for one address share one budget).
// Documents are cached per the response's Cache-Control max-age, bounded.
// An administrator deleting such a client blocks its URL: the store says so
// before any fetch (resolveMetadataDocumentClient), until it is unblocked.
//
// Such a client has no secret (nothing can be shared through a public
// document): token_endpoint_auth_method is `none`, and PKCE protects its codes.
import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { z } from 'zod';
import { checkTrustedDocumentHost, type TrustedDocumentHosts } from './cimd-trust.ts';
import { invalidClient, OAuthError } from './errors.ts';
import type { OAuthClient, OAuthStore } from './ports.ts';
import { isLoopbackHost, redirectUriProblem } from './redirect-uri.ts';
import { parseScope } from './scope.ts';
import { isUrl } from '../parse-url.ts';

export const FETCH_FAILED_DESCRIPTION = 'the client metadata document could not be fetched';
export const BLOCKED_DESCRIPTION = 'this application has been blocked by an administrator';
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
export const DEFAULT_NEGATIVE_TTL_MS = 60_000;
/** Fetches a minute, per host name and per address (an IPv6 /64 counts as one address). */
export const DEFAULT_FETCHES_PER_HOST = 30;
export const DEFAULT_FETCHES_PER_ADDRESS = 120;
const FETCH_LIMIT_WINDOW_SECONDS = 60;
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024;
export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;
export const MIN_CACHE_TTL_MS = 60_000;
export const MAX_CACHE_TTL_MS = 24 * 60 * 60_000;
const DEFAULT_MAX_CACHE_ENTRIES = 1_000;
const MAX_CLIENT_ID_LENGTH = 2_048;
const MAX_NAME = 200;
const MAX_REDIRECT_URIS = 20;

export type ResolvedAddress = { address: string; family: number };

/** Counts one hit of `key` in a window of `windowSeconds` (the shape of lib/server/http/rate-limit.ts's RateLimiter). */
export type FetchLimiter = { hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: boolean }> };

export type ClientMetadataResolverOptions = {
  /** Accept http://localhost, http://127.0.0.1 and http://[::1] documents and loopback addresses (development, tests). */
  allowHttpLoopback: boolean;
  /** The hosts whose documents may be fetched (lib/oauth/cimd-trust.ts); default: any public host. */
  trustedHosts?: TrustedDocumentHosts;
  fetchTimeoutMs?: number;
  maxBytes?: number;
  /** Clock in milliseconds, for cache expiry. */
  now?: () => number;
  /** Host name → addresses; default: the system resolver (every address). */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
  cache?: { minTtlMs?: number; maxTtlMs?: number; defaultTtlMs?: number; maxEntries?: number };
  /** Failed fetches, remembered per document URL (default 60 s, bounded like `cache`). */
  negativeCache?: { ttlMs?: number; maxEntries?: number };
  /** Fetches a minute per host name and per address; without a limiter, none is counted (tests). */
  fetchLimit?: { limiter: FetchLimiter; perHost?: number; perAddress?: number };
};

/** A fetch refused because its host's budget for the minute is spent: nothing was sent, nothing is remembered. */
export class FetchLimitReached extends OAuthError {
  constructor(detail: string) {
    super('invalid_client', FETCH_FAILED_DESCRIPTION, { mayRedirect: false, detail });
  }
}

export type ClientMetadataResolver = {
  /** The client a metadata-document client_id names; throws OAuthError invalid_client. */
  resolve(clientId: string): Promise<OAuthClient>;
  /** Forgets every cached document and remembered failure. */
  clear(): void;
};

// ---------------------------------------------------------------------------
// Addresses

function parseIPv4(s: string): number | null {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return null;
  const parts = s.split('.').map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Eight 16-bit groups, or null. */
function parseIPv6(input: string): number[] | null {
  let s = input;
  if (!/^[0-9a-f:.]+$/i.test(s)) return null;
  if (s.includes('.')) {
    // Trailing dotted IPv4 (::ffff:10.0.0.1) → two hex groups.
    const cut = s.lastIndexOf(':');
    const v4 = parseIPv4(s.slice(cut + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, cut + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  if (groups.some((g) => g.some((x) => !/^[0-9a-f]{1,4}$/i.test(x)))) return null;
  const head = groups[0]!.map((x) => parseInt(x, 16));
  if (halves.length === 1) return head.length === 8 ? head : null;
  const tail = groups[1]!.map((x) => parseInt(x, 16));
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

// Special-purpose IPv4 blocks (RFC 6890 and successors) that are not public unicast.
const FORBIDDEN_V4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const FORBIDDEN_V4_RANGES = FORBIDDEN_V4.map(([base, bits]) => {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { net: (parseIPv4(base)! & mask) >>> 0, mask };
});

function isForbiddenIPv4(ip: number): boolean {
  return FORBIDDEN_V4_RANGES.some(({ net, mask }) => (ip & mask) >>> 0 === net);
}

const embeddedV4 = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function isForbiddenIPv6(g: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(5) && g5 === 0xffff) return isForbiddenIPv4(embeddedV4(g6, g7)); // ::ffff:0:0/96 IPv4-mapped
  if (zeroTo(6)) return true; // ::, ::1, and the deprecated IPv4-compatible ::/96
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isForbiddenIPv4(embeddedV4(g6, g7)); // 64:ff9b::/96 NAT64
  }
  if (g0 === 0x2002) return isForbiddenIPv4(embeddedV4(g1, g2)); // 6to4
  if (g0 === 0x2001 && g1 === 0) return true; // Teredo (2001::/32): a tunnel to an obfuscated IPv4
  if (g0 === 0x2001 && g1 === 0x0db8) return true; // documentation
  // Everything else outside global unicast 2000::/3 is not public: fc00::/7
  // unique-local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8
  // multicast, 64:ff9b:1::/48 local NAT64, 100::/64 discard, unassigned space.
  return (g0 & 0xe000) !== 0x2000;
}

/**
 * True when an address is not a public unicast address, so that no request may
 * be sent to it on a third party's behalf. Unparseable input counts as forbidden.
 */
export function isForbiddenAddress(ip: string): boolean {
  let s = ip.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone); // a zone id only exists on link-local/loopback anyway
  const v4 = parseIPv4(s);
  if (v4 !== null) return isForbiddenIPv4(v4);
  const v6 = parseIPv6(s);
  return v6 === null ? true : isForbiddenIPv6(v6);
}

/** The key an address is counted under: itself, or for IPv6 its /64 (one host may use a whole /64). */
function addressBucket(ip: string): string {
  const g = parseIPv6(ip.replace(/^\[|\]$/g, ''));
  return g ? `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64` : ip;
}

function isLoopbackAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4 !== null) return v4 >>> 24 === 127;
  const g = parseIPv6(ip.replace(/^\[|\]$/g, ''));
  if (!g) return false;
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true;
  return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff && g[6]! >>> 8 === 127;
}

// ---------------------------------------------------------------------------
// The client_id

/** Why a client_id is not a metadata document URL (draft §3), or null when it is. */
export function clientMetadataDocumentIdProblem(clientId: string, opts: { allowHttpLoopback?: boolean } = {}): string | null {
  if (clientId.length > MAX_CLIENT_ID_LENGTH) return `must be at most ${MAX_CLIENT_ID_LENGTH} characters`;
  if (/[\s\\\u0000-\u001f\u007f]/.test(clientId)) return 'must not contain whitespace, control characters or backslashes';
  const http = clientId.startsWith('http://');
  if (!clientId.startsWith('https://') && !http) return 'must be an https URL';
  if (!isUrl(clientId)) return 'must be a valid URL';
  const url = new URL(clientId);
  if (http && !(opts.allowHttpLoopback && isLoopbackHost(url.hostname))) return 'must be an https URL';
  if (clientId.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (!url.hostname) return 'must name a host';
  // The raw path, before the URL parser normalises dot segments away.
  const afterScheme = clientId.slice(clientId.indexOf('//') + 2);
  const pathStart = afterScheme.search(/[/?]/);
  if (pathStart < 0 || afterScheme[pathStart] === '?') return 'must contain a path';
  const rawPath = afterScheme.slice(pathStart).split('?')[0]!;
  if (rawPath === '/') return 'must contain a path';
  const dotSegment = rawPath
    .split('/')
    .slice(1)
    .some((seg) => ['.', '..'].includes(seg.replace(/%2e/gi, '.')));
  if (dotSegment) return 'must not contain dot segments';
  return null;
}

/** Whether a client_id names a client metadata document rather than a registered client. */
export function isClientMetadataDocumentId(clientId: string, opts: { allowHttpLoopback?: boolean } = {}): boolean {
  return typeof clientId === 'string' && clientMetadataDocumentIdProblem(clientId, opts) === null;
}

/** The row id of a metadata-document client: stable, so grants can reference it. */
export function metadataDocumentClientRowId(clientId: string): string {
  return `cimd:${createHash('sha256').update(clientId, 'utf8').digest('hex').slice(0, 32)}`;
}

// ---------------------------------------------------------------------------
// The document

const httpsUrl = z
  .string()
  .max(2000)
  .refine((v) => isUrl(v) && new URL(v).protocol === 'https:', { error: 'must be an absolute https URL' });

const ZDocument = z.object({
  client_id: z.string({ error: 'client_id is required' }),
  // RFC 9449 §5.2, kept in the client's metadata like every field of the document.
  dpop_bound_access_tokens: z.boolean({ error: 'dpop_bound_access_tokens must be true or false' }).optional(),
  client_name: z.string({ error: 'client_name is required' }),
  redirect_uris: z
    .array(z.string().max(2000), { error: 'redirect_uris is required' })
    .min(1, { error: 'redirect_uris must list at least one URI' })
    .max(MAX_REDIRECT_URIS, { error: `redirect_uris: at most ${MAX_REDIRECT_URIS}` }),
  token_endpoint_auth_method: z.string().optional(),
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token'], { error: 'grant_types may only be authorization_code and refresh_token' })).optional(),
  response_types: z.array(z.enum(['code'], { error: 'response_types may only be code' })).optional(),
  application_type: z.enum(['web', 'native'], { error: 'application_type must be web or native' }).optional(),
  scope: z.string().max(2000).optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
});

const UNSAFE_NAME_CHARS = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Validates a fetched document (draft §4) and maps it to a client; throws OAuthError invalid_client saying what is wrong. */
export function documentToClient(clientId: string, document: unknown, fetchedAt: Date): OAuthClient {
  const bad = (problem: string) => invalidClient(`client metadata document ${clientId}: ${problem}`);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw bad('must be a JSON object');
  const doc = Object.fromEntries(Object.entries(document).filter(([k, v]) => v !== null && k !== '__proto__'));

  if ('client_secret' in doc || 'client_secret_expires_at' in doc) {
    throw bad('must not contain a client_secret: a public document cannot hold a shared secret');
  }
  const parsed = ZDocument.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    throw bad(issue.message.includes(String(issue.path[0] ?? '\0')) ? issue.message : `${field}: ${issue.message}`);
  }
  const d = parsed.data;
  if (d.client_id !== clientId) throw bad(`its client_id (${d.client_id.slice(0, 200)}) must equal the URL it was fetched from`);

  const method = d.token_endpoint_auth_method ?? 'none';
  if (method.startsWith('client_secret_')) {
    throw bad(`token_endpoint_auth_method ${method} needs a shared secret, which a metadata document client cannot have; use none`);
  }
  if (method !== 'none') throw bad(`token_endpoint_auth_method ${method} is not supported; use none`);

  const name = d.client_name.trim();
  if (!name) throw bad('client_name must not be empty');
  if (name.length > MAX_NAME) throw bad(`client_name must be at most ${MAX_NAME} characters`);
  if (UNSAFE_NAME_CHARS.test(name)) throw bad('client_name must not contain control or bidirectional-override characters');

  const redirectUris = [...new Set(d.redirect_uris)];
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw bad(`redirect URI ${uri.slice(0, 200)} ${problem}`);
  }

  const grantTypes = [...new Set(d.grant_types ?? ['authorization_code'])];
  if (!grantTypes.includes('authorization_code')) throw bad('grant_types must include authorization_code');
  const responseTypes = [...new Set(d.response_types ?? ['code'])];
  if (!responseTypes.includes('code')) throw bad('response_types must include code');

  let scope = '';
  try {
    scope = parseScope(d.scope).join(' ');
  } catch (err) {
    throw bad(`scope: ${err instanceof OAuthError ? err.description : 'is not a valid scope string'}`);
  }

  return {
    id: metadataDocumentClientRowId(clientId),
    clientId,
    name,
    secretHash: null,
    redirectUris,
    grantTypes,
    responseTypes,
    tokenEndpointAuthMethod: 'none',
    scope,
    logoUri: d.logo_uri ?? null,
    clientUri: d.client_uri ?? null,
    applicationType: d.application_type ?? 'web',
    metadata: doc,
    source: 'metadata_document',
    registrationAccessTokenHash: null,
    canIntrospect: false,
    disabled: false,
    approvedAt: null,
    jwks: null,
    jwksUri: null,
    createdAt: fetchedAt,
  };
}

/** The fields OAuthStore.insertClient takes, for the caller that persists a resolved client (grants need the row). */
export function toStoredClient(client: OAuthClient): Omit<OAuthClient, 'createdAt' | 'disabled'> {
  const { createdAt: _createdAt, disabled: _disabled, ...stored } = client;
  return stored;
}

const SYNCED_FIELDS = [
  'name',
  'redirectUris',
  'grantTypes',
  'responseTypes',
  'tokenEndpointAuthMethod',
  'scope',
  'logoUri',
  'clientUri',
  'applicationType',
  'metadata',
] as const;

/**
 * Inserts or refreshes the stored row of a resolved metadata-document client
 * and returns the stored client — whose `disabled` flag (set by an operator)
 * and row id are the ones that count.
 */
export async function syncMetadataDocumentClient(
  store: Pick<OAuthStore, 'findClient' | 'insertClient' | 'updateClient'>,
  client: OAuthClient,
  /** The row as the caller just read it, to save reading it again. */
  known?: OAuthClient | null,
): Promise<OAuthClient> {
  let existing = known === undefined ? await store.findClient(client.clientId) : known;
  if (!existing) {
    try {
      return await store.insertClient(toStoredClient(client));
    } catch (err) {
      // A concurrent request inserted it first.
      existing = await store.findClient(client.clientId);
      if (!existing) throw err;
    }
  }
  if (existing.source !== 'metadata_document') throw invalidClient('client_id is already registered otherwise');
  const changes: Partial<Record<(typeof SYNCED_FIELDS)[number], unknown>> = {};
  for (const key of SYNCED_FIELDS) {
    if (JSON.stringify(existing[key]) !== JSON.stringify(client[key])) changes[key] = client[key];
  }
  if (Object.keys(changes).length === 0) return existing;
  return store.updateClient(existing.id, changes as Partial<OAuthClient>);
}

type ResolveStore = Pick<OAuthStore, 'findClient' | 'insertClient' | 'updateClient' | 'deleteClient' | 'isClientDocumentBlocked'>;

/**
 * The client a metadata-document client_id names, as stored. A URL an
 * administrator blocked (by deleting its client) is refused before anything
 * is fetched; a stored row means it is not blocked (deleting the row and
 * blocking the URL are one transaction), so a known client costs no extra
 * read. A block that lands while the document is being fetched still wins:
 * the row just inserted is taken back. While the host's fetch budget is
 * spent, a known client carries on from its stored row.
 */
export async function resolveMetadataDocumentClient(store: ResolveStore, documents: ClientMetadataResolver, clientId: string): Promise<OAuthClient> {
  const existing = await store.findClient(clientId);
  const blocked = () => invalidClient(BLOCKED_DESCRIPTION, { detail: `client metadata document ${clientId} is blocked` });
  if (!existing && (await store.isClientDocumentBlocked(clientId))) throw blocked();
  let document: OAuthClient;
  try {
    document = await documents.resolve(clientId);
  } catch (error) {
    if (error instanceof FetchLimitReached && existing?.source === 'metadata_document') return existing;
    throw error;
  }
  const stored = await syncMetadataDocumentClient(store, document, existing);
  if (!existing && (await store.isClientDocumentBlocked(clientId))) {
    await store.deleteClient(stored.id);
    throw blocked();
  }
  return stored;
}

// ---------------------------------------------------------------------------
// Fetching

export type Fetched = { body: Buffer; cacheControl: string | undefined };

/** max-age from Cache-Control, bounded; no-store/no-cache count as the minimum (a document is needed on every request). */
export function cacheTtlMs(cacheControl: string | undefined, bounds: { minTtlMs: number; maxTtlMs: number; defaultTtlMs: number }): number {
  const clamp = (ms: number) => Math.min(bounds.maxTtlMs, Math.max(bounds.minTtlMs, ms));
  if (!cacheControl) return clamp(bounds.defaultTtlMs);
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return bounds.minTtlMs;
  for (const d of directives) {
    const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
    if (m) return clamp(Number(m[1]) * 1000);
  }
  return clamp(bounds.defaultTtlMs);
}

async function systemLookup(hostname: string): Promise<ResolvedAddress[]> {
  return dnsLookup(hostname, { all: true, verbatim: true });
}

/** The SSRF-safe fetch options shared by every fetch of a URL a client chose (this file's header says how). */
export type PublicFetchOptions = Pick<ClientMetadataResolverOptions, 'allowHttpLoopback' | 'fetchTimeoutMs' | 'maxBytes' | 'lookup' | 'fetchLimit'>;

export type PublicFetch = (url: string, what: string) => Promise<Fetched>;

/**
 * GETs a URL chosen by a client (a metadata document, a jwks_uri) as this
 * file's header describes; `what` names it in the log. Failures are
 * invalid_client with FETCH_FAILED_DESCRIPTION and the reason in `detail`.
 */
export function createPublicFetcher(opts: PublicFetchOptions): PublicFetch {
  const timeoutMs = opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const lookup = opts.lookup ?? systemLookup;
  const addressAllowed = (ip: string) => !isForbiddenAddress(ip) || (opts.allowHttpLoopback && isLoopbackAddress(ip));

  /** Spends one fetch of `key`'s budget; false when it is spent. */
  async function withinLimit(key: string, limit: number | undefined): Promise<boolean> {
    if (!opts.fetchLimit) return true;
    return (await opts.fetchLimit.limiter.hit(`cimd|${key}`, limit ?? Number.MAX_SAFE_INTEGER, FETCH_LIMIT_WINDOW_SECONDS)).allowed;
  }

  function fetchPublic(clientId: string, what: string): Promise<Fetched> {
    const url = new URL(clientId);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const fail = (detail: string) => invalidClient(FETCH_FAILED_DESCRIPTION, { detail: `${what} ${clientId}: ${detail}` });
    const perHost = opts.fetchLimit?.perHost ?? DEFAULT_FETCHES_PER_HOST;
    const perAddress = opts.fetchLimit?.perAddress ?? DEFAULT_FETCHES_PER_ADDRESS;

    return new Promise<Fetched>((resolve, reject) => {
      let settled = false;
      let req: http.ClientRequest | null = null;
      const finish = (err: Error | null, value?: Fetched) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          req?.destroy();
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(() => finish(fail(`not fetched within ${timeoutMs} ms`)), timeoutMs);
      /** The limiter itself failing (a shared store down) is the limiter's error, not the document's. */
      let limiterError: unknown = null;
      const spend = (key: string, limit: number) =>
        withinLimit(key, limit).catch((error: unknown) => {
          limiterError = error;
          throw error;
        });

      (async () => {
        if (!(await spend(`host|${host.toLowerCase()}`, perHost))) throw new FetchLimitReached(`${what} ${clientId}: ${host} reached its limit of ${perHost} fetches a minute`);
        let addresses: ResolvedAddress[];
        if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
        else {
          try {
            addresses = await lookup(host);
          } catch {
            throw fail(`could not resolve ${host}`);
          }
        }
        if (addresses.length === 0) throw fail(`could not resolve ${host}`);
        // Every address must be acceptable: a name mixing public and private answers is refused.
        if (!addresses.every((a) => addressAllowed(a.address))) throw fail(`${host} resolves to a non-public address`);
        if (settled) return;
        const bucket = addressBucket(addresses[0]!.address);
        if (!(await spend(`address|${bucket}`, perAddress))) throw new FetchLimitReached(`${what} ${clientId}: ${bucket} reached its limit of ${perAddress} fetches a minute`);
        if (settled) return;

        const target = addresses[0]!;
        const family = isIP(target.address);
        // Connect to the address checked above, whatever the resolver would say now.
        const pinned: LookupFunction = (_hostname, options, callback) => {
          if (options && options.all) callback(null, [{ address: target.address, family }]);
          else callback(null, target.address, family);
        };
        const secure = url.protocol === 'https:';
        req = (secure ? https : http).request({
          protocol: url.protocol,
          hostname: host,
          port: url.port || (secure ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { accept: 'application/json', 'user-agent': `Gatehouse (${what} fetch)` },
          agent: false,
          lookup: pinned,
          ...(secure && !isIP(host) ? { servername: host } : {}),
        });
        req.on('error', (err) => finish(fail(`could not be fetched (${err.message})`)));
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            res.resume();
            return finish(fail(`answered a redirect (HTTP ${status}); redirects are not followed`));
          }
          if (status !== 200) {
            res.resume();
            return finish(fail(`answered HTTP ${status}`));
          }
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) return finish(fail(`is larger than ${maxBytes} bytes`));
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) return finish(fail(`is larger than ${maxBytes} bytes`));
            chunks.push(chunk);
          });
          res.on('end', () => finish(null, { body: Buffer.concat(chunks), cacheControl: res.headers['cache-control'] }));
          res.on('error', (err) => finish(fail(`could not be read (${err.message})`)));
          res.on('aborted', () => finish(fail('was cut off')));
        });
        req.end();
      })().catch((err: unknown) => finish(limiterError !== null ? (err as Error) : err instanceof OAuthError ? err : fail('could not be fetched')));
    });
  }
  return fetchPublic;
}

export function createClientMetadataResolver(opts: ClientMetadataResolverOptions): ClientMetadataResolver {
  const now = opts.now ?? Date.now;
  const bounds = {
    minTtlMs: opts.cache?.minTtlMs ?? MIN_CACHE_TTL_MS,
    maxTtlMs: opts.cache?.maxTtlMs ?? MAX_CACHE_TTL_MS,
    defaultTtlMs: opts.cache?.defaultTtlMs ?? DEFAULT_CACHE_TTL_MS,
  };
  const maxEntries = opts.cache?.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
  const negativeTtlMs = opts.negativeCache?.ttlMs ?? DEFAULT_NEGATIVE_TTL_MS;
  const maxFailures = opts.negativeCache?.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES;

  const cache = new Map<string, { client: OAuthClient; expiresAt: number }>();
  const failures = new Map<string, { error: OAuthError; failedAt: number }>();
  /** One fetch per URL at a time, however many requests wait for it. */
  const inflight = new Map<string, Promise<OAuthClient>>();

  const fetchPublic = createPublicFetcher(opts);
  const fetchDocument = (clientId: string) => fetchPublic(clientId, 'client metadata document');

  async function load(clientId: string): Promise<OAuthClient> {
    const fetched = await fetchDocument(clientId);
    let document: unknown;
    try {
      document = JSON.parse(fetched.body.toString('utf8'));
    } catch {
      document = undefined;
    }
    // Only a JSON object is a document at all: anything else says no more than a failed fetch.
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw invalidClient(FETCH_FAILED_DESCRIPTION, { detail: `client metadata document ${clientId}: is not valid JSON (an object)` });
    }
    const fetchedAt = now();
    const client = documentToClient(clientId, document, new Date(fetchedAt));
    cache.delete(clientId);
    cache.set(clientId, { client, expiresAt: fetchedAt + cacheTtlMs(fetched.cacheControl, bounds) });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return client;
  }

  /** Remembers a failed fetch; a refusal for the limit sent nothing, so there is nothing to remember. */
  function remember(clientId: string, error: unknown): void {
    if (!(error instanceof OAuthError) || error instanceof FetchLimitReached) return;
    failures.delete(clientId);
    failures.set(clientId, { error, failedAt: now() });
    while (failures.size > maxFailures) failures.delete(failures.keys().next().value!);
  }

  return {
    async resolve(clientId) {
      const problem = typeof clientId === 'string' ? clientMetadataDocumentIdProblem(clientId, opts) : 'must be a string';
      if (problem) throw invalidClient(`client_id is not a client metadata document URL: it ${problem}`);
      checkTrustedDocumentHost(clientId, opts.trustedHosts ?? null);
      const hit = cache.get(clientId);
      if (hit && now() < hit.expiresAt) return structuredClone(hit.client);
      if (hit) cache.delete(clientId);
      const failed = failures.get(clientId);
      if (failed && now() - failed.failedAt < negativeTtlMs) {
        const { code, description, detail } = failed.error;
        const ago = Math.round((now() - failed.failedAt) / 1000);
        throw new OAuthError(code, description, { mayRedirect: false, detail: detail && `${detail} (a failure ${ago} s ago, remembered for ${negativeTtlMs / 1000} s)` });
      }
      if (failed) failures.delete(clientId);
      let pending = inflight.get(clientId);
      if (!pending) {
        pending = load(clientId)
          .then((client) => {
            failures.delete(clientId);
            return client;
          })
          .catch((error: unknown) => {
            remember(clientId, error);
            throw error;
          })
          .finally(() => inflight.delete(clientId));
        inflight.set(clientId, pending);
      }
      return structuredClone(await pending);
    },
    clear() {
      cache.clear();
      failures.clear();
    },
  };
}
