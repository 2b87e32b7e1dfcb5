// The public keys of a private_key_jwt client (RFC 7523 §2.2, OIDC Core §9,
// RFC 7591 §2 `jwks` / `jwks_uri`): a JWK Set an administrator pasted, or one
// the client publishes at a URL. A published set is fetched with the SSRF-safe
// fetch of metadata documents (lib/oauth/client-metadata-document.ts), cached
// per its Cache-Control within bounds, and fetched again early when an
// assertion names a key the cached set lacks (the client rotated) — at most
// once per `refetchIntervalMs` per URL, so a stranger's bad assertions cannot
// make Gatehouse hammer a client's host.
import { z } from 'zod';
import { cacheTtlMs, type PublicFetch } from './client-metadata-document.ts';
import { invalidClient } from './errors.ts';
import type { ClientJwks, OAuthClient } from './ports.ts';

/** Asymmetric JWS algorithms a client assertion may use (never HS*, never none). */
export const ASSERTION_SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

const MAX_KEYS = 20;
/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const ZPublicJwk = z
  .object({
    kty: z.enum(['RSA', 'EC', 'OKP'], { error: 'kty must be RSA, EC or OKP (a public key; symmetric keys are refused)' }),
    kid: z.string().min(1).max(200).optional(),
    use: z.literal('sig', { error: 'use must be sig' }).optional(),
    alg: z.enum(ASSERTION_SIGNING_ALGS, { error: `alg must be one of ${ASSERTION_SIGNING_ALGS.join(', ')}` }).optional(),
    n: z.string().optional(),
    e: z.string().optional(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
  })
  .loose()
  .superRefine((jwk, ctx) => {
    const leaked = PRIVATE_MEMBERS.filter((m) => m in jwk);
    if (leaked.length) ctx.addIssue({ code: 'custom', message: `must be a public key: remove the private member${leaked.length > 1 ? 's' : ''} ${leaked.join(', ')}` });
    if (jwk.kty === 'RSA' && !(jwk.n && jwk.e)) ctx.addIssue({ code: 'custom', message: 'an RSA key needs n and e' });
    if (jwk.kty === 'EC' && !(['P-256', 'P-384', 'P-521'].includes(jwk.crv ?? '') && jwk.x && jwk.y)) ctx.addIssue({ code: 'custom', message: 'an EC key needs crv P-256, P-384 or P-521, x and y' });
    if (jwk.kty === 'OKP' && !(jwk.crv === 'Ed25519' && jwk.x)) ctx.addIssue({ code: 'custom', message: 'an OKP key needs crv Ed25519 and x' });
  });

/** A JWK Set of public signing keys (RFC 7517 §5), at most 20, kids unique. */
export const ZClientJwks = z
  .object({ keys: z.array(ZPublicJwk, { error: 'keys must be a list of JWKs' }).min(1, { error: 'the JWK Set has no keys' }).max(MAX_KEYS, { error: `at most ${MAX_KEYS} keys` }) }, { error: 'must be a JWK Set: {"keys": [...]}' })
  .superRefine((set, ctx) => {
    const kids = set.keys.map((k) => k.kid).filter(Boolean);
    if (new Set(kids).size !== kids.length) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'two keys share a kid' });
  });

/** The JWK Set in `json`, or the first problem with it, for forms and the CLI. */
export function parseClientJwks(json: string): { jwks: ClientJwks } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { problem: 'is not valid JSON' };
  }
  const parsed = ZClientJwks.safeParse(value);
  if (parsed.success) return { jwks: parsed.data as ClientJwks };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length >= 2 && issue.path[0] === 'keys' ? `key ${Number(issue.path[1]) + 1}: ` : '';
  return { problem: `${where}${issue.message}` };
}

export type JwkSetSource = {
  /**
   * The client's keys. `refresh` (an assertion named a key not in the cached
   * set, or none of them verified it) fetches a jwks_uri again, at most once
   * per interval; pasted keys are what they are.
   */
  keysOf(client: Pick<OAuthClient, 'clientId' | 'jwks' | 'jwksUri'>, opts?: { refresh?: boolean }): Promise<Array<Record<string, unknown>>>;
};

export type JwkSetSourceOptions = {
  fetch: PublicFetch;
  /** Clock in milliseconds. */
  now?: () => number;
  cache?: { minTtlMs?: number; maxTtlMs?: number; defaultTtlMs?: number; maxEntries?: number };
  /** The least time between two fetches of one URL, whatever asks (default 60 s). */
  refetchIntervalMs?: number;
};

const KEYS_UNAVAILABLE = 'client authentication failed';

export function createJwkSetSource(opts: JwkSetSourceOptions): JwkSetSource {
  const now = opts.now ?? Date.now;
  const bounds = { minTtlMs: opts.cache?.minTtlMs ?? 60_000, maxTtlMs: opts.cache?.maxTtlMs ?? 24 * 3600_000, defaultTtlMs: opts.cache?.defaultTtlMs ?? 5 * 60_000 };
  const maxEntries = opts.cache?.maxEntries ?? 1_000;
  const interval = opts.refetchIntervalMs ?? 60_000;
  /** Per URL: the last good set (null until one), when it goes stale, and when it was last asked for. */
  const cache = new Map<string, { keys: ClientJwks['keys'] | null; expiresAt: number; attemptedAt: number }>();
  const inflight = new Map<string, Promise<ClientJwks['keys']>>();

  async function load(uri: string): Promise<ClientJwks['keys']> {
    const previous = cache.get(uri);
    cache.delete(uri);
    cache.set(uri, { keys: previous?.keys ?? null, expiresAt: previous?.expiresAt ?? 0, attemptedAt: now() });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    const fetched = await opts.fetch(uri, 'jwks_uri');
    let value: unknown;
    try {
      value = JSON.parse(fetched.body.toString('utf8'));
    } catch {
      value = undefined;
    }
    const parsed = ZClientJwks.safeParse(value);
    if (!parsed.success) throw invalidClient(KEYS_UNAVAILABLE, { detail: `jwks_uri ${uri}: not a JWK Set of public signing keys (${parsed.error.issues[0]!.message})` });
    const keys = (parsed.data as ClientJwks).keys;
    cache.set(uri, { keys, expiresAt: now() + cacheTtlMs(fetched.cacheControl, bounds), attemptedAt: now() });
    return keys;
  }

  return {
    async keysOf(client, { refresh = false } = {}) {
      if (!client.jwksUri) return client.jwks?.keys ?? [];
      const uri = client.jwksUri;
      const hit = cache.get(uri);
      const fresh = hit?.keys && now() < hit.expiresAt ? hit.keys : null;
      const mayFetch = !hit || now() - hit.attemptedAt >= interval;
      if (fresh && !(refresh && mayFetch)) return fresh;
      if (!mayFetch) throw invalidClient(KEYS_UNAVAILABLE, { detail: `jwks_uri ${uri}: the last fetch failed less than ${interval / 1000} s ago` });
      let pending = inflight.get(uri);
      if (!pending) {
        pending = load(uri).finally(() => inflight.delete(uri));
        inflight.set(uri, pending);
      }
      try {
        return await pending;
      } catch (error) {
        // A failed re-fetch keeps the set it had: the client's host being down does not lock it out early.
        if (fresh) return fresh;
        throw error;
      }
    },
  };
}
