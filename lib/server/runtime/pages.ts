// Where Next.js (pages, server actions, next-auth) runs. In production it has
// a thread of its own — a worker thread with its own event loop and heap — and
// the request thread, which answers the protocol endpoints, hands it every
// other request over a private Unix socket. Two reasons:
// - Next.js needs AsyncLocalStorage, which on Node.js 20 installs promise
//   hooks that tax every promise of the thread they run in, for good: kept
//   away from the request thread, token and introspection requests don't pay
//   it (measured: about half their throughput, docs/performance.md).
// - A slow page render or admin action never holds up a token request.
// In development (`serve --dev`) Next.js stays in the request thread, where its
// hot reloading expects to be.
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppContext } from '../context.ts';
import { applyForwardedMetric, reportForwardedDbPool, type DbPoolStats, type ForwardedMetric } from '../observability/hooks.ts';
import { requestIdOf, runWithRequestContext } from '../observability/request-context.ts';
import { sendHtmlPage } from '../http/respond.ts';
import { log, writeLogLine } from './logger.ts';

export type Pages = { handle(req: IncomingMessage, res: ServerResponse): Promise<void>; close(): Promise<void> };

export type PagesOptions = {
  dev: boolean;
  hostname: string;
  root: string;
  /** The pages thread's module: pages-worker.ts (a test stands in its own, speaking the same messages). */
  workerEntry?: URL;
};

/** What the pages thread is started with (see pages-worker.ts). */
export type PagesWorkerData = { socketPath: string; root: string; hostname: string; port: number };

/** What the pages thread tells the request thread. */
export type PagesMessage =
  | { type: 'ready' }
  | { type: 'closed' }
  | { type: 'failed'; error: string }
  | { type: 'log'; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'metric'; call: ForwardedMetric }
  | { type: 'pool'; stats: DbPoolStats | null };

export async function startPages(ctx: AppContext, opts: PagesOptions): Promise<Pages> {
  return opts.dev ? startInProcess(ctx, opts) : startPagesThread(ctx, opts);
}

async function startInProcess(ctx: AppContext, opts: PagesOptions): Promise<Pages> {
  // Imported only here: loading Next.js patches globals (Date among them) of the thread that loads it.
  const { default: next } = await import('next');
  const app = next({ dev: opts.dev, dir: opts.root, hostname: opts.hostname, port: ctx.config.port });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  return {
    handle: (req, res) => runWithRequestContext({ requestId: requestIdOf(req) ?? '' }, () => handleNext(req, res)),
    close: async () => app.close?.(),
  };
}

// Headers that describe one connection, not the message: never passed on.
// (Transfer-Encoding is: Node.js frames each body itself, chunked when it has no length.)
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: http.IncomingHttpHeaders): Array<[string, string | string[]]> {
  return Object.entries(headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined && !HOP_BY_HOP.has(entry[0]));
}

const RESTART_DELAY_MS = 1_000;

async function startPagesThread(ctx: AppContext, opts: PagesOptions): Promise<Pages> {
  // A directory only this user can enter: nothing else on the machine reaches the pages thread.
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-pages-'));
  const workerData: PagesWorkerData = { socketPath: path.join(dir, 'pages.sock'), root: opts.root, hostname: opts.hostname, port: ctx.config.port };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let closing = false;
  let worker = await spawn();

  function spawn(): Promise<Worker> {
    // The worker loads TypeScript through tsx like the CLI does.
    const entry = (opts.workerEntry ?? new URL('./pages-worker.ts', import.meta.url)).href;
    const loader = import.meta.resolve('tsx/esm/api');
    const started = new Worker(`import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
      eval: true,
      workerData,
    });
    return new Promise((resolve, reject) => {
      let ready = false;
      started.on('message', (message: PagesMessage) => {
        if (message.type === 'log') writeLogLine(message.stream, message.line);
        else if (message.type === 'metric') applyForwardedMetric(message.call);
        else if (message.type === 'pool') reportForwardedDbPool('pages', message.stats);
        else if (message.type === 'ready') {
          ready = true;
          resolve(started);
        } else if (message.type === 'failed' && !ready) reject(new Error(`the pages thread did not start: ${message.error}`));
      });
      started.on('error', (error) => {
        log('error', 'the pages thread failed', { error: error.message });
        if (!ready) reject(error);
      });
      started.on('exit', (code) => {
        reportForwardedDbPool('pages', null);
        if (!ready) return reject(new Error(`the pages thread exited (${code}) before it was ready`));
        if (closing) return;
        // Pages answer 503 meanwhile; protocol endpoints are not affected.
        log('error', 'the pages thread stopped; starting it again', { exit_code: code });
        setTimeout(() => {
          if (!closing) spawn().then((next) => (worker = next), (error: Error) => log('error', 'the pages thread could not be restarted', { error: error.message }));
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const headers = Object.fromEntries(endToEnd(req.headers));
      const upstream = http.request({ socketPath: workerData.socketPath, agent, method: req.method, path: req.url, headers }, (answer) => {
        // Set one by one, so that headers already on the response (security
        // headers, a session cookie from the SSO edge) are merged, not dropped.
        for (const [name, value] of endToEnd(answer.headers)) if (name !== 'transfer-encoding') res.setHeader(name, value);
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage);
        answer.pipe(res);
        answer.once('end', resolve);
        answer.once('error', () => {
          res.destroy();
          resolve();
        });
      });
      upstream.once('error', (error) => {
        if (!res.headersSent) {
          log('warn', 'the pages thread did not answer', { error: error.message, request_id: requestIdOf(req) });
          res.setHeader('Retry-After', '2');
          sendHtmlPage(res, 503, 'Gatehouse is briefly unavailable', 'This page could not be shown just now. Try again in a moment.');
        } else res.destroy();
        resolve();
      });
      // A client that goes away takes its page request with it.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
  }

  return {
    handle,
    async close() {
      closing = true;
      agent.destroy();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await worker.terminate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
