// The HTTP entry point: a node:http server that answers health checks itself,
// applies the SSO edge identity and security headers, and hands everything else
// to Next.js (its documented custom-server mode).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import type { AppContext } from '../context.ts';
import { applyEdgeIdentity } from './edge-identity.ts';
import { checkReadiness } from './health.ts';
import { log } from './logger.ts';
import { newNonce, securityHeaders } from './security-headers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sendPage(res: ServerResponse, status: number, title: string, message: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · Gatehouse</title></head>` +
      `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">` +
      `<h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>`,
  );
}

export type RunningServer = { url: string; close(): Promise<void> };

export async function startHttpServer(ctx: AppContext, opts: { dev?: boolean; hostname?: string } = {}): Promise<RunningServer> {
  const dev = opts.dev ?? false;
  const hostname = opts.hostname ?? '0.0.0.0';
  const app = next({ dev, dir: ROOT, hostname, port: ctx.config.port });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const https = ctx.config.issuer.startsWith('https:');

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      const readiness = await checkReadiness(ctx);
      return sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not_ready', ...readiness }, readiness.ready ? {} : { 'Retry-After': '5' });
    }

    const edge = await applyEdgeIdentity(req, res, pathname, ctx);
    if (edge.kind === 'refused') return sendPage(res, edge.status, 'Sign-in refused', edge.message);

    const nonce = newNonce();
    const headers = securityHeaders({ nonce, https, dev });
    // Next.js takes the nonce for its own scripts from the request's CSP header.
    req.headers['content-security-policy'] = headers['Content-Security-Policy'];
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    await handleNext(req, res);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log('error', 'request failed', { path: req.url?.split('?')[0], error: (error as Error).message });
      if (!res.headersSent) sendPage(res, 500, 'Something went wrong', 'Gatehouse could not answer this request. Try again in a moment.');
      else res.end();
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
