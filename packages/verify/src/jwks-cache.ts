// Gatehouse's signing keys, fetched from its JWKS and kept. A token signed
// with a kid we don't know triggers one refetch (key rotation), never more than
// one per cooldown however many such tokens arrive; concurrent lookups share a
// fetch. Once the set is `maxAgeMs` old it is re-read before it is used again,
// so a key Gatehouse retired (an emergency retirement too) stops verifying
// within that interval; `version` moves whenever the set changes, so results
// verified against an older set can be told apart. While the JWKS cannot be
// read, the keys last read stay in use.
import { importJWK, type JWK, type JWSHeaderParameters } from 'jose';
import { InvalidTokenError, VerifierUnavailableError } from './errors.ts';
import type { FetchLike } from './types.ts';

export type JwksCacheOptions = {
  /** The JWKS URL, or a function resolving it (e.g. from authorization server metadata). */
  jwksUri: string | (() => Promise<string>);
  /** Accepted signature algorithms. Gatehouse signs with ES256. */
  algorithms?: readonly string[];
  /** Minimum time between two fetches caused by unknown kids. Default 30 s. */
  cooldownMs?: number;
  /** Re-read the key set once it is this old, even without an unknown kid. Default 60 s. */
  maxAgeMs?: number;
  /** Minimum time between retries while no key set could be loaded. Default 1 s. */
  retryMs?: number;
  timeoutMs?: number;
  fetch?: FetchLike;
  now?: () => number;
};

type KeyEntry = { jwk: JWK; keys: Map<string, Promise<CryptoKey | Uint8Array>> };

export class JwksCache {
  readonly #options: Required<Omit<JwksCacheOptions, 'jwksUri' | 'fetch' | 'now'>> & { jwksUri: JwksCacheOptions['jwksUri'] };
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  #keys: Map<string, KeyEntry> | null = null;
  #loadedAt = 0;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | null = null;
  /** How many times the JWKS was requested (for tests and metrics). */
  fetchCount = 0;
  /** Moves whenever a read of the JWKS changes the key set (a key added, changed or gone). */
  version = 0;

  constructor(options: JwksCacheOptions) {
    this.#options = {
      jwksUri: options.jwksUri,
      algorithms: options.algorithms ?? ['ES256'],
      cooldownMs: options.cooldownMs ?? 30_000,
      maxAgeMs: options.maxAgeMs ?? 60_000,
      retryMs: options.retryMs ?? 1_000,
      timeoutMs: options.timeoutMs ?? 5_000,
    };
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
  }

  /** A key resolver for jose's `jwtVerify`. */
  readonly getKey = async (header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array> => (await this.resolveKey(header)).key;

  /** The key a token names, with the version of the set it was found in. */
  async resolveKey(header: JWSHeaderParameters): Promise<{ key: CryptoKey | Uint8Array; version: number }> {
    const alg = header.alg;
    if (!alg || !this.#options.algorithms.includes(alg)) throw new InvalidTokenError(`tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
    const kid = header.kid;
    if (!kid) throw new InvalidTokenError('the token names no signing key (kid)');
    const entry = await this.#lookup(kid);
    const version = this.version;
    if (!entry) throw new InvalidTokenError('the token was signed with an unknown key');
    if (entry.jwk.alg && entry.jwk.alg !== alg) throw new InvalidTokenError('the token algorithm does not match its key');
    let key = entry.keys.get(alg);
    if (!key) {
      key = importJWK(entry.jwk, alg);
      entry.keys.set(alg, key);
      key.catch(() => entry.keys.delete(alg));
    }
    try {
      return { key: await key, version };
    } catch {
      throw new InvalidTokenError('the signing key could not be used');
    }
  }

  /** True once the loaded set is `maxAgeMs` old: it must be re-read (refreshIfStale) before it is trusted again. */
  isStale(now = this.#now()): boolean {
    return this.#keys !== null && now - this.#loadedAt >= this.#options.maxAgeMs;
  }

  /**
   * Re-reads a stale set, shared by everyone waiting; at most one attempt per
   * `retryMs` while the JWKS cannot be read, keeping the keys last read meanwhile.
   */
  async refreshIfStale(): Promise<void> {
    const now = this.#now();
    if (!this.isStale(now)) return;
    if (this.#inflight) await this.#inflight.catch(() => {});
    else if (now - this.#lastAttempt >= this.#options.retryMs) await this.#refresh().catch(() => {});
  }

  async #lookup(kid: string): Promise<KeyEntry | undefined> {
    const now = this.#now();
    if (this.#keys) {
      await this.refreshIfStale();
      const entry = this.#keys.get(kid);
      if (entry) return entry;
      // Unknown kid: one refetch per cooldown, shared by everyone waiting.
      if (this.#inflight) await this.#inflight.catch(() => {});
      else if (now - this.#lastAttempt >= this.#options.cooldownMs) await this.#refresh().catch(() => {});
      return this.#keys.get(kid);
    }
    // Nothing loaded yet: the first fetch (or a retry after a failure).
    if (!this.#inflight && now - this.#lastAttempt < this.#options.retryMs) {
      throw new VerifierUnavailableError('the signing keys could not be loaded; retrying shortly');
    }
    await this.#refresh();
    return this.#keys!.get(kid);
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #load(): Promise<void> {
    this.#lastAttempt = this.#now();
    this.fetchCount += 1;
    let body: unknown;
    try {
      const uri = typeof this.#options.jwksUri === 'string' ? this.#options.jwksUri : await this.#options.jwksUri();
      const res = await this.#fetch(uri, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(this.#options.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = await res.json();
    } catch (error) {
      throw new VerifierUnavailableError(`the signing keys could not be fetched: ${(error as Error).message}`, { cause: error });
    }
    const list = (body as { keys?: unknown })?.keys;
    if (!Array.isArray(list)) throw new VerifierUnavailableError('the JWKS document has no "keys" array');
    const keys = new Map<string, KeyEntry>();
    let changed = this.#keys === null;
    for (const jwk of list as JWK[]) {
      if (!jwk || typeof jwk !== 'object' || typeof jwk.kid !== 'string') continue;
      if (jwk.use && jwk.use !== 'sig') continue;
      if (jwk.d) continue; // never a private key
      // Keep already-imported keys for kids that stay the same.
      const previous = this.#keys?.get(jwk.kid);
      const same = previous !== undefined && JSON.stringify(previous.jwk) === JSON.stringify(jwk);
      if (!same) changed = true;
      keys.set(jwk.kid, same ? previous : { jwk, keys: new Map() });
    }
    // Keys that left the set are dropped with the old map.
    if (keys.size !== this.#keys?.size) changed = true;
    if (changed) this.version += 1;
    this.#keys = keys;
    this.#loadedAt = this.#now();
  }
}
