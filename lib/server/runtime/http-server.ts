// The HTTP entry point: a node:http server that answers health checks,
// /metrics and the protocol endpoints itself, applies the SSO edge identity and
// security headers, and hands everything else to Next.js (pages.ts: its own
// thread in production). Every request gets a request id (X-Request-Id),
// request metrics and one access-log line; SIGTERM (via close()) drains
// in-flight requests.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../context.ts';
import { ENDPOINTS } from '../../oauth/metadata.ts';
import { handleAuthorizeGet } from '../http/authorize.ts';
import { handleProtocolRequest } from '../http/protocol-routes.ts';
import { NO_STORE, failRequest, sendHtmlPage, sendJson } from '../http/respond.ts';
import { isSameOriginPost } from '../http/same-origin.ts';
import { stampClientAddress } from './client-address.ts';
import { applyEdgeIdentity } from './edge-identity.ts';
import { serveReadiness, startReadinessProbe } from './health.ts';
import { startDynamicClientPruning } from './client-pruning.ts';
import { announceFirstRun } from './first-run.ts';
import { startRefreshRetrySweep } from './refresh-retry-sweep.ts';
import { getOAuthContext } from '../oauth/provider.ts';
import { closeRedis } from './redis.ts';
import { startSqliteCheckpointer } from '../db/sqlite-checkpointer.ts';
import { bridgeConsoleToLogger, errorSummary, flushLogs, log } from './logger.ts';
import { instrumentRequest } from '../observability/instrument-request.ts';
import { getMetrics, serveMetrics } from '../observability/metrics.ts';
import { addSensitiveValues } from '../observability/scrub.ts';
import { SHUTDOWN_DRAIN_MS, createDrainer, runShutdownHooks, within } from '../observability/shutdown.ts';
import { apiSecurityHeaders, newNonce, securityHeaders } from './security-headers.ts';
import { startPages } from './pages.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type RunningServer = { url: string; close(): Promise<void> };

function parseTarget(target: string): URL | null {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

export async function startHttpServer(ctx: AppContext, opts: { dev?: boolean; hostname?: string } = {}): Promise<RunningServer> {
  const dev = opts.dev ?? false;
  const hostname = opts.hostname ?? ctx.config.listenAddress;
  // Configured secrets are masked wherever they would appear in a log line.
  addSensitiveValues([ctx.secret, ctx.config.forwardAuth.proxySecret, ctx.config.metricsToken, ctx.config.oidc?.clientSecret]);
  // In production everything the process prints is a scrubbed JSON line, Next.js's own reports included.
  if (!dev) bridgeConsoleToLogger();
  const metrics = getMetrics();
  const pages = await startPages(ctx, { dev, hostname, root: ROOT });
  // Probed once before listening, so /readyz is truthful from the first request.
  const readiness = await startReadinessProbe({ db: ctx.db, redisUrl: ctx.config.redisUrl });
  const https = ctx.config.issuer.startsWith('https:');
  const basePath = new URL(ctx.config.issuer).pathname.replace(/\/$/, '');
  const apiHeaders = apiSecurityHeaders({ https });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Absolute-form or malformed request targets (e.g. `//@//x`) are not ours to guess at.
    const url = req.url?.startsWith('/') ? parseTarget(req.url) : null;
    if (!url) return sendJson(res, 400, { error: 'invalid_request', error_description: 'malformed request target' }, NO_STORE);
    // With an issuer such as https://example.com/auth, endpoints are advertised
    // under /auth/…; serve them whether or not the proxy strips the prefix.
    if (basePath && url.pathname.startsWith(`${basePath}/`)) {
      url.pathname = url.pathname.slice(basePath.length);
      req.url = url.pathname + url.search;
    }
    const pathname = url.pathname;
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' }, NO_STORE);
    if (pathname === '/readyz') return serveReadiness(res, readiness);
    // Prometheus scrapes the instance directly, not through the SSO edge.
    if (pathname === '/metrics') return serveMetrics(req, res, ctx.config.metricsToken, metrics);

    // Overwrites whatever a client sent under this name.
    stampClientAddress(req, ctx.config.trustedProxies);
    // Machine-to-machine endpoints need no session, so no SSO edge identity,
    // and no per-response nonce: they never serve a page.
    for (const [name, value] of apiHeaders) res.setHeader(name, value);
    if (await handleProtocolRequest(req, res, ctx, url, 'machine')) return;

    const nonce = newNonce();
    const headers = securityHeaders({ nonce, https, dev });
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);

    const edge = await applyEdgeIdentity(req, res, pathname, ctx);
    if (edge.kind === 'refused') return sendHtmlPage(res, edge.status, 'Sign-in refused', edge.message);

    // Browser endpoints, and the rate limits of those that Next.js answers.
    if (await handleProtocolRequest(req, res, ctx, url, 'browser')) return;
    if (pathname === ENDPOINTS.authorization && (req.method === 'GET' || req.method === 'HEAD')) {
      if (await handleAuthorizeGet(req, res, ctx, url)) return;
    }
    // Server actions are POSTed to their page's path. Next.js refuses one from
    // another origin itself, but as a 500 with an error logged: refuse it as
    // Gatehouse's own forms do.
    if (req.method === 'POST' && !pathname.startsWith('/api/') && !isSameOriginPost(req, ctx.config.issuer)) {
      return sendHtmlPage(res, 403, 'Request refused', 'This request did not come from Gatehouse’s own pages.');
    }
    // Next.js takes the nonce for its own scripts from the request's CSP header.
    req.headers['content-security-policy'] = headers['Content-Security-Policy'];
    await pages.handle(req, res);
  }

  // No AsyncLocalStorage on this thread (see pages.ts): log lines written for
  // a request name it explicitly.
  const server = http.createServer((req, res) => {
    instrumentRequest(req, res, { basePath, metrics });
    drainer.track(req, res);
    route(req, res).catch((error: unknown) => failRequest(req, res, error));
  });
  const drainer = createDrainer(server);
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.port, hostname, () => resolve());
  });
  const url = `http://localhost:${ctx.config.port}`;
  log('info', `Gatehouse listening on ${url}`, { issuer: ctx.config.issuer, database: ctx.config.database.provider });
  // Saying how to get in must never keep the server from serving.
  await announceFirstRun(ctx).catch((error: unknown) => log('warn', 'could not check for a first run', { error: errorSummary(error) }));
  // Background work: pruning unused dynamic clients, when configured; clearing refresh retry records past their window.
  const pruning = ctx.config.dynamicClientMaxIdle ? startDynamicClientPruning(ctx.db, ctx.config.dynamicClientMaxIdle) : null;
  const retrySweep = startRefreshRetrySweep(getOAuthContext(ctx));
  const checkpointer = await startSqliteCheckpointer(ctx.db, (error) => log('warn', 'WAL checkpoint failed', { error }));

  let closing: Promise<void> | null = null;
  /**
   * Graceful shutdown: stop accepting connections, let the requests in flight
   * finish (at most SHUTDOWN_DRAIN_MS, then their connections are closed),
   * then close Next.js, the registered shutdown hooks, the Redis client and
   * the database pool. Each step is bounded, so the process always gets to exit.
   */
  async function shutdown(): Promise<void> {
    log('info', 'shutting down: refusing new connections, finishing requests in flight', { in_flight: drainer.inFlight, drain_timeout_ms: SHUTDOWN_DRAIN_MS });
    pruning?.stop();
    readiness.stop();
    retrySweep.stop();
    const drained = await drainer.drain(SHUTDOWN_DRAIN_MS);
    if (drained.forced) log('warn', 'shutdown: requests still running after the drain period were cut off', { abandoned: drained.abandoned });
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['pages', () => pages.close()],
      ['hooks', async () => {
        for (const failure of await runShutdownHooks()) log('warn', 'shutdown hook failed', failure);
      }],
      ['redis', () => closeRedis()],
      ['checkpointer', async () => checkpointer?.stop()],
      ['database', () => ctx.db.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await within(step(), 5_000, `closing ${name}`);
      } catch (error) {
        log('warn', 'shutdown step failed', { step: name, error: (error as Error).message });
      }
    }
    log('info', 'shut down', { drain_ms: drained.ms, forced: drained.forced });
    flushLogs();
  }

  return {
    url,
    close: () => (closing ??= shutdown()),
  };
}
