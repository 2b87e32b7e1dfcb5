// Per-client limits at the token endpoint that nobody can spend for someone
// else. Naming a client proves nothing, so a request that fails (bad secret,
// unknown or bogus refresh token, any OAuth error) counts only against the
// client *from that address*; only a request the core answered with tokens —
// the client authenticated, or for a public client (none to authenticate) the
// grant itself proved — counts against the client as a whole, so one client
// still can't starve the others. Both are checked before the core runs and
// counted after it answers (docs/configuration.md, "Rate limits").
import { hashToken } from '../../crypto.ts';
import type { RateLimitDecision, RateLimiter } from './rate-limit.ts';

export const TOKEN_CLIENT_LIMITS = {
  /** Failed requests naming one client from one address. */
  failuresPerAddress: { limit: 60, windowSeconds: 60 },
  /** Successful requests of one client, from every address together. */
  successesPerClient: { limit: 300, windowSeconds: 10 },
} as const;

export type TokenClientDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: 'client' | 'client_address' };

export type TokenClientLimits = {
  /** Before the core: refused when this address used up its failures for the client, or the client its successes. */
  check(): Promise<TokenClientDecision>;
  /** After the core answered. */
  record(outcome: 'success' | 'failure'): Promise<void>;
};

export function tokenClientLimits(limiter: RateLimiter, clientId: string, address: string): TokenClientLimits {
  // A client_id is the caller's choice, of any length: keys hold its digest.
  // The address first: it never holds `|`, so no client_id can forge another pair's key.
  const client = hashToken(clientId);
  const failures = `token-fail|${address}|${client}`;
  const successes = `token-ok|${client}`;
  const { failuresPerAddress: f, successesPerClient: s } = TOKEN_CLIENT_LIMITS;
  const refused = (decision: RateLimitDecision, limit: 'client' | 'client_address'): TokenClientDecision | null =>
    decision.allowed ? null : { ...decision, limit };
  return {
    async check() {
      const [failed, succeeded] = await Promise.all([limiter.peek(failures, f.limit, f.windowSeconds), limiter.peek(successes, s.limit, s.windowSeconds)]);
      return refused(failed, 'client_address') ?? refused(succeeded, 'client') ?? { allowed: true };
    },
    async record(outcome) {
      if (outcome === 'failure') await limiter.hit(failures, f.limit, f.windowSeconds);
      else await limiter.hit(successes, s.limit, s.windowSeconds);
    },
  };
}
