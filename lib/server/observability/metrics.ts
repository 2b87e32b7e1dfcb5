// /metrics in the Prometheus text format (prom-client). One registry per
// process, kept on globalThis; the counters fed from elsewhere (security
// events, issued tokens, rate-limit hits) arrive through hooks.ts.
//
// Access: with GATEHOUSE_METRICS_TOKEN set, `Authorization: Bearer <token>`
// (compared in constant time) from anywhere; without it, only clients on the
// loopback interface whose request did not come through a proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { safeEqual } from '../../crypto.ts';
import type { EdgeDecisionKind } from '../../oauth/edge-decision.ts';
import type { SecurityEvent } from '../../oauth/ports.ts';
import { installMetricsSink, processDbPoolStats, readinessChecks, type IssuingGrant, type RateLimitKey, type TokenKind } from './hooks.ts';
import { isLoopbackAddress } from '../runtime/client-address.ts';
import { routeLabel } from './route-label.ts';

export type Metrics = ReturnType<typeof createMetrics>;

const SECURITY_ACTIONS = new Set<SecurityEvent['action']>([
  'oauth.code_replayed',
  'oauth.refresh_reused',
  'oauth.client_auth_failed',
  'oauth.redirect_uri_rejected',
  'oauth.grant_created',
  'oauth.client_registered',
  'oauth.client_updated',
  'oauth.client_deleted',
  'oauth.token_revoked',
  'oauth.edge_refused',
]);

/** Reasons come from code, not from requests; still, only short snake_case words become labels. */
function boundedWord(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^[a-z][a-z0-9_]{0,39}$/.test(value) ? value : fallback;
}

/** The auth-failure reason a security event stands for, or null if it is not a failure. */
export function authFailureReason(event: SecurityEvent): string | null {
  switch (event.action) {
    case 'oauth.client_auth_failed':
      return boundedWord(event.details?.reason, 'other');
    case 'oauth.code_replayed':
      return 'code_replayed';
    case 'oauth.refresh_reused':
      // A retry inside the grace window is a client that lost a response, not an attack.
      return event.details?.outcome === 'grace_retry' ? null : 'refresh_reused';
    case 'oauth.redirect_uri_rejected':
      return 'redirect_uri_rejected';
    default:
      return null;
  }
}

function rateLimitRouteLabel(route: string): string {
  if (route.startsWith('/')) return routeLabel(route.split('?')[0]);
  return /^[A-Za-z0-9_.:/-]{1,60}$/.test(route) ? route : 'other';
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time from request to the end of the response, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'gatehouse_http_requests_in_flight',
    help: 'Requests being answered right now',
    registers: [registry],
  });
  const tokensIssued = new Counter({
    name: 'gatehouse_tokens_issued_total',
    help: 'Tokens issued, by kind (access, refresh) and the grant type that issued them',
    labelNames: ['kind', 'grant_type'] as const,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'gatehouse_auth_failures_total',
    help: 'Failed client authentications by reason, authorization-code replays, refresh-token reuse and rejected redirect URIs',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const securityEvents = new Counter({
    name: 'gatehouse_security_events_total',
    help: 'Security events recorded in the audit log, by action',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const rateLimitHits = new Counter({
    name: 'gatehouse_rate_limit_hits_total',
    help: 'Requests refused by a rate limit (429), by route and limit (ip, client, client_address)',
    labelNames: ['route', 'limit'] as const,
    registers: [registry],
  });
  const edgeDecisions = new Counter({
    name: 'gatehouse_edge_decisions_total',
    help: 'Answers of the edge decision endpoint, by registered resource server URL and decision (allow, unauthenticated, insufficient_scope, refused)',
    labelNames: ['resource', 'decision'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_db_pool_connections',
    help: 'Database pool connections of the instance by state (total, idle, waiting = requests queued for a connection); PostgreSQL only',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const stats = processDbPoolStats();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  new Gauge({
    name: 'gatehouse_db_pool_max_connections',
    help: 'Configured maximum size of the database pools of the instance, added up; PostgreSQL only',
    registers: [registry],
    collect() {
      this.reset();
      const max = processDbPoolStats()?.max;
      if (typeof max === 'number') this.set(max);
    },
  });

  new Gauge({
    name: 'gatehouse_ready',
    help: 'Readiness checks as the background probe last saw them (1 passing, 0 failing): database, migrations, and redis when configured',
    labelNames: ['check'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [check, ok] of Object.entries(readinessChecks())) this.set({ check }, ok ? 1 : 0);
    },
  });

  const requestSeries = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();

  return {
    registry,
    observeRequest(labels: { method: string; route: string; status: string }, seconds: number): void {
      // Bound once per label set (the labels are bounded): no label hashing per request.
      const key = `${labels.method} ${labels.route} ${labels.status}`;
      let bound = requestSeries.get(key);
      if (!bound) requestSeries.set(key, (bound = { count: httpRequests.labels(labels), duration: httpDuration.labels(labels) }));
      bound.count.inc();
      bound.duration.observe(seconds);
    },
    requestStarted(): void {
      inFlight.inc();
    },
    requestEnded(): void {
      inFlight.dec();
    },
    securityEvent(event: SecurityEvent): void {
      securityEvents.inc({ action: SECURITY_ACTIONS.has(event.action) ? event.action : 'other' });
      const reason = authFailureReason(event);
      if (reason) authFailures.inc({ reason });
    },
    tokensIssued(kind: TokenKind, grantType: IssuingGrant, count: number): void {
      tokensIssued.inc({ kind, grant_type: grantType }, count);
    },
    rateLimitHit(route: string, key: RateLimitKey): void {
      rateLimitHits.inc({ route: rateLimitRouteLabel(route), limit: key === 'client' || key === 'client_address' ? key : 'ip' });
    },
    edgeDecision(resource: string, decision: EdgeDecisionKind): void {
      edgeDecisions.inc({ resource, decision });
    },
  };
}

const globalForMetrics = globalThis as unknown as { __gatehouseMetrics?: Metrics };

/** The process's metrics, created (and wired to hooks.ts) on first use. */
export function getMetrics(): Metrics {
  if (!globalForMetrics.__gatehouseMetrics) {
    const metrics = createMetrics();
    globalForMetrics.__gatehouseMetrics = metrics;
    installMetricsSink(metrics);
  }
  return globalForMetrics.__gatehouseMetrics;
}

// ---------------------------------------------------------------------------
// Access to /metrics

/** A proxy on the same host would make every client look local: forwarded requests are not. */
function wasForwarded(req: IncomingMessage): boolean {
  return ['forwarded', 'x-forwarded-for', 'x-real-ip'].some((name) => req.headers[name] !== undefined);
}

export type MetricsAccess = 'allowed' | 'unauthorized' | 'forbidden';

export function metricsAccess(req: IncomingMessage, token: string | null): MetricsAccess {
  if (token) {
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    return match && safeEqual(match[1], token) ? 'allowed' : 'unauthorized';
  }
  return isLoopbackAddress(req.socket.remoteAddress) && !wasForwarded(req) ? 'allowed' : 'forbidden';
}

function sendPlain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** Answers GET|HEAD /metrics. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, token: string | null, metrics: Metrics = getMetrics()): Promise<void> {
  const access = metricsAccess(req, token);
  if (access === 'unauthorized') {
    return sendPlain(res, 401, 'a valid metrics bearer token is required\n', { 'WWW-Authenticate': 'Bearer realm="gatehouse-metrics"' });
  }
  if (access === 'forbidden') {
    return sendPlain(res, 403, 'metrics are served to loopback clients only; set GATEHOUSE_METRICS_TOKEN to scrape from elsewhere\n');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlain(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
  const body = await metrics.registry.metrics();
  res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
