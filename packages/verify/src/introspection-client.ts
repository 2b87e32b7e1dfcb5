// RFC 7662 introspection at Gatehouse, as a confidential client allowed to
// introspect (client_secret_basic). Answers are kept in a bounded LRU for the
// lifetime the resource server chooses — never past the token's own expiry —
// so a revocation shows within that lifetime. Concurrent questions about the
// same token share one request; failures are never cached.
import { createHash } from 'node:crypto';
import { VerifierUnavailableError } from './errors.ts';
import { ExpiringLru } from './lru.ts';
import type { FetchLike } from './types.ts';

export type IntrospectionResponse =
  | { active: false }
  | ({
      active: true;
      iss?: string;
      sub?: string;
      client_id?: string;
      scope?: string;
      aud?: string | string[];
      exp?: number;
      iat?: number;
      jti?: string;
      token_type?: string;
      token_kind?: string;
      workspaces?: unknown;
      tools?: unknown;
    } & Record<string, unknown>);

export type IntrospectionClientOptions = {
  /** The introspection endpoint, or a function resolving it (e.g. from authorization server metadata). */
  endpoint: string | (() => Promise<string>);
  clientId: string;
  clientSecret: string;
  /** How long an answer (active or not) is trusted. 0 asks Gatehouse every time. */
  cacheTtlMs: number;
  /** Most answers kept. Default 10 000. */
  maxEntries?: number;
  timeoutMs?: number;
  fetch?: FetchLike;
  now?: () => number;
};

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export class IntrospectionClient {
  readonly #options: IntrospectionClientOptions;
  readonly #cache: ExpiringLru<string, IntrospectionResponse>;
  readonly #inflight = new Map<string, Promise<IntrospectionResponse>>();
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #authorization: string;
  /** Requests sent to Gatehouse, and answers served from the cache. */
  readonly stats = { requests: 0, hits: 0 };

  constructor(options: IntrospectionClientOptions) {
    if (!(options.cacheTtlMs >= 0)) throw new TypeError('introspection cacheTtlMs must be 0 or more');
    this.#options = options;
    this.#cache = new ExpiringLru(options.maxEntries ?? 10_000);
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
    this.#authorization = basicCredentials(options.clientId, options.clientSecret);
  }

  get cacheSize(): number {
    return this.#cache.size;
  }

  clearCache(): void {
    this.#cache.clear();
  }

  /** Gatehouse's answer about `token`, from the cache when it is fresh enough. */
  async introspect(token: string, options: { cache?: boolean } = {}): Promise<IntrospectionResponse> {
    const useCache = options.cache !== false && this.#options.cacheTtlMs > 0;
    // The key is a digest: long-lived personal tokens are not kept in memory as such.
    const key = createHash('sha256').update(token).digest('base64url');
    if (useCache) {
      const cached = this.#cache.get(key, this.#now());
      if (cached) {
        this.stats.hits += 1;
        return cached;
      }
      const pending = this.#inflight.get(key);
      if (pending) return pending;
    }
    const request = this.#ask(token).then((answer) => {
      if (useCache) {
        const now = this.#now();
        let until = now + this.#options.cacheTtlMs;
        if (answer.active && typeof answer.exp === 'number') until = Math.min(until, answer.exp * 1000);
        this.#cache.set(key, answer, until, now);
      }
      return answer;
    });
    if (!useCache) return request;
    this.#inflight.set(key, request);
    try {
      return await request;
    } finally {
      this.#inflight.delete(key);
    }
  }

  async #ask(token: string): Promise<IntrospectionResponse> {
    this.stats.requests += 1;
    let res: Response;
    try {
      const endpoint = typeof this.#options.endpoint === 'string' ? this.#options.endpoint : await this.#options.endpoint();
      res = await this.#fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: this.#authorization, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ token }).toString(),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      if (error instanceof VerifierUnavailableError) throw error;
      throw new VerifierUnavailableError(`introspection failed: ${(error as Error).message}`, { cause: error });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      // 401/403 mean our own credentials are wrong: an operator problem, not the token's.
      throw new VerifierUnavailableError(`introspection answered HTTP ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (error) {
      throw new VerifierUnavailableError('introspection answered with something other than JSON', { cause: error });
    }
    if (!body || typeof body !== 'object' || typeof (body as { active?: unknown }).active !== 'boolean') {
      throw new VerifierUnavailableError('introspection answer has no boolean "active"');
    }
    return (body as { active: boolean }).active ? (body as IntrospectionResponse) : { active: false };
  }
}
