// The HTTP entry point: a node:http server that answers health checks itself,
// applies the SSO edge identity and security headers, and hands everything else
// to Next.js (its documented custom-server mode).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import type { AppContext } from '../context.ts';
import { ENDPOINTS } from '../../oauth/metadata.ts';
import { handleAuthorizeGet } from '../http/authorize.ts';
import { handleProtocolRequest } from '../http/protocol-routes.ts';
import { NO_STORE, isServiceUnavailable, sendHtmlPage, sendJson } from '../http/respond.ts';
import { applyEdgeIdentity } from './edge-identity.ts';
import { checkReadiness } from './health.ts';
import { log } from './logger.ts';
import { newNonce, securityHeaders } from './security-headers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type RunningServer = { url: string; close(): Promise<void> };

export async function startHttpServer(ctx: AppContext, opts: { dev?: boolean; hostname?: string } = {}): Promise<RunningServer> {
  const dev = opts.dev ?? false;
  const hostname = opts.hostname ?? '0.0.0.0';
  const app = next({ dev, dir: ROOT, hostname, port: ctx.config.port });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const https = ctx.config.issuer.startsWith('https:');
  const basePath = new URL(ctx.config.issuer).pathname.replace(/\/$/, '');

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Absolute-form or malformed request targets (e.g. `//@//x`) are not ours to guess at.
    const url = URL.canParse(req.url ?? '/', 'http://localhost') && req.url?.startsWith('/') ? new URL(req.url, 'http://localhost') : null;
    if (!url) return sendJson(res, 400, { error: 'invalid_request', error_description: 'malformed request target' }, NO_STORE);
    // With an issuer such as https://example.com/auth, endpoints are advertised
    // under /auth/…; serve them whether or not the proxy strips the prefix.
    if (basePath && url.pathname.startsWith(`${basePath}/`)) {
      url.pathname = url.pathname.slice(basePath.length);
      req.url = url.pathname + url.search;
    }
    const pathname = url.pathname;
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' }, NO_STORE);
    if (pathname === '/readyz') {
      const readiness = await checkReadiness(ctx);
      return sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not_ready', ...readiness }, readiness.ready ? NO_STORE : { ...NO_STORE, 'Retry-After': '5' });
    }

    const nonce = newNonce();
    const headers = securityHeaders({ nonce, https, dev });
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);

    const edge = await applyEdgeIdentity(req, res, pathname, ctx);
    if (edge.kind === 'refused') return sendHtmlPage(res, edge.status, 'Sign-in refused', edge.message);

    if (pathname === ENDPOINTS.authorization && (req.method === 'GET' || req.method === 'HEAD')) {
      if (await handleAuthorizeGet(req, res, ctx, url)) return;
    } else if (await handleProtocolRequest(req, res, ctx, url)) {
      return;
    }
    // Next.js takes the nonce for its own scripts from the request's CSP header.
    req.headers['content-security-policy'] = headers['Content-Security-Policy'];
    await handleNext(req, res);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log('error', 'request failed', { path: req.url?.split('?')[0], error: (error as Error).message });
      if (res.headersSent) res.end();
      else if (isServiceUnavailable(error)) {
        res.setHeader('Retry-After', '5');
        sendHtmlPage(res, 503, 'Gatehouse is briefly unavailable', 'Its database is not answering. Try again in a moment.');
      } else sendHtmlPage(res, 500, 'Something went wrong', 'Gatehouse could not answer this request. Try again in a moment.');
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.port, hostname, () => resolve());
  });
  const url = `http://localhost:${ctx.config.port}`;
  log('info', `Gatehouse listening on ${url}`, { issuer: ctx.config.issuer, database: ctx.config.database.provider });

  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }).then(async () => {
        await app.close?.();
        await ctx.db.close();
      }),
  };
}
