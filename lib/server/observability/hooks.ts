// What the rest of Gatehouse calls to feed the metrics, without depending on
// prom-client: the calls forward to the metrics sink that metrics.ts installs
// on globalThis when the server starts. Code bundled into Next.js (the consent
// page uses the OAuth store) therefore counts into the same registry, and the
// CLI, which never installs a sink, counts nothing.
import type { EdgeDecisionKind } from '../../oauth/edge-decision.ts';
import type { SecurityEvent } from '../../oauth/ports.ts';

export type TokenKind = 'access' | 'refresh';
export type IssuingGrant = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'other';
/** Which limit refused: per address, per client (its successes), or per client from one address (its failures). */
export type RateLimitKey = 'ip' | 'client' | 'client_address';

/** Connection-pool state at scrape time; null when there is no pool to report (SQLite). */
export type DbPoolStats = { total: number; idle: number; waiting: number; max?: number };
export type DbPoolCollector = () => DbPoolStats | null;

/** Each readiness check as the background probe last saw it (lib/server/runtime/health.ts). */
export type ReadinessCollector = () => Readonly<Record<string, boolean>>;

export type MetricsSink = {
  securityEvent(event: SecurityEvent): void;
  tokensIssued(kind: TokenKind, grantType: IssuingGrant, count: number): void;
  rateLimitHit(route: string, key: RateLimitKey): void;
  edgeDecision(resource: string, decision: EdgeDecisionKind): void;
};

const globalForHooks = globalThis as unknown as {
  __gatehouseMetricsSink?: MetricsSink;
  __gatehouseDbPoolCollector?: DbPoolCollector | null;
  __gatehouseForwardedDbPools?: Map<string, DbPoolStats>;
  __gatehouseReadiness?: ReadinessCollector | null;
};

export function installMetricsSink(sink: MetricsSink): void {
  globalForHooks.__gatehouseMetricsSink = sink;
}

function sink(): MetricsSink | undefined {
  return globalForHooks.__gatehouseMetricsSink;
}

/** Metrics must never break a request: a failing counter is ignored. */
function safely(fn: (s: MetricsSink) => void): void {
  const s = sink();
  if (!s) return;
  try {
    fn(s);
  } catch {
    // ignored on purpose
  }
}

export function countSecurityEvent(event: SecurityEvent): void {
  safely((s) => s.securityEvent(event));
}

export function countTokensIssued(kind: TokenKind, grantType: IssuingGrant, count = 1): void {
  if (count > 0) safely((s) => s.tokensIssued(kind, grantType, count));
}

/**
 * A request refused by a rate limit (answered 429). `route` is the endpoint's
 * path as routed (e.g. url.pathname); it is folded into the same bounded route
 * labels as the request metrics. `key` says which limit (RateLimitKey).
 */
export function countRateLimitHit(route: string, key: RateLimitKey = 'ip'): void {
  safely((s) => s.rateLimitHit(route, key));
}

/**
 * One answer of the edge decision endpoint. `resource` is the registered
 * resource server's URL (admins register a bounded set), or `none`.
 */
export function countEdgeDecision(resource: string | null, decision: EdgeDecisionKind): void {
  safely((s) => s.edgeDecision(resource ?? 'none', decision));
}

/**
 * Reports database pool state at every scrape, e.g. for PostgreSQL:
 *   registerDbPoolCollector(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: 10 }))
 * One collector at a time (a later call replaces it); pass null to remove it.
 */
export function registerDbPoolCollector(fn: DbPoolCollector | null): void {
  globalForHooks.__gatehouseDbPoolCollector = fn;
}

export function dbPoolCollector(): DbPoolCollector | null {
  return globalForHooks.__gatehouseDbPoolCollector ?? null;
}

/** Reports the readiness checks at every scrape; one at a time, null removes it. */
export function registerReadinessCollector(fn: ReadinessCollector | null): void {
  globalForHooks.__gatehouseReadiness = fn;
}

export function readinessChecks(): Readonly<Record<string, boolean>> {
  try {
    return globalForHooks.__gatehouseReadiness?.() ?? {};
  } catch {
    return {};
  }
}

/** The latest pool figures another thread of the process reported (the pages thread's pool); null forgets them. */
export function reportForwardedDbPool(source: string, stats: DbPoolStats | null): void {
  const pools = (globalForHooks.__gatehouseForwardedDbPools ??= new Map());
  if (stats) pools.set(source, stats);
  else pools.delete(source);
}

/** This thread's pool and the ones other threads reported, added up; null when there is none (SQLite). */
export function processDbPoolStats(): DbPoolStats | null {
  let own: DbPoolStats | null = null;
  try {
    own = dbPoolCollector()?.() ?? null;
  } catch {
    // A collector that fails reports nothing.
  }
  const all = [...(own ? [own] : []), ...(globalForHooks.__gatehouseForwardedDbPools?.values() ?? [])];
  if (!all.length) return null;
  const sum = (pick: (s: DbPoolStats) => number | undefined) => all.reduce((n, s) => n + (pick(s) ?? 0), 0);
  const max = all.some((s) => typeof s.max === 'number') ? sum((s) => s.max) : undefined;
  return { total: sum((s) => s.total), idle: sum((s) => s.idle), waiting: sum((s) => s.waiting), ...(max === undefined ? {} : { max }) };
}

/** A metrics call made on another thread of the process, to be counted where /metrics is served. */
export type ForwardedMetric = { [K in keyof MetricsSink]: { method: K; args: Parameters<MetricsSink[K]> } }[keyof MetricsSink];

/** A sink that hands every call to `post` (the pages thread forwards its counts to the request thread). */
export function forwardingSink(post: (call: ForwardedMetric) => void): MetricsSink {
  return {
    securityEvent: (...args) => post({ method: 'securityEvent', args }),
    tokensIssued: (...args) => post({ method: 'tokensIssued', args }),
    rateLimitHit: (...args) => post({ method: 'rateLimitHit', args }),
    edgeDecision: (...args) => post({ method: 'edgeDecision', args }),
  };
}

/** Counts a forwarded call in this thread's sink. */
export function applyForwardedMetric(call: ForwardedMetric): void {
  safely((s) => (s[call.method] as (...args: unknown[]) => void)(...call.args));
}
