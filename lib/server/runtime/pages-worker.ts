// The pages thread (see pages.ts): Next.js on a private Unix socket. Its log
// lines and metric counts go to the request thread, which owns stdout and
// /metrics; it opens its own database connection.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import next from 'next';
import { getAppContext } from '../context.ts';
import { failRequest } from '../http/respond.ts';
import { dbPoolCollector, forwardingSink, installMetricsSink } from '../observability/hooks.ts';
import { requestIdOf, runWithRequestContext } from '../observability/request-context.ts';
import { addSensitiveValues } from '../observability/scrub.ts';
import { bridgeConsoleToLogger, createLogger, log, setLogger } from './logger.ts';
import type { PagesMessage, PagesWorkerData } from './pages.ts';
import { closeRedis } from './redis.ts';

const port = parentPort!;
const post = (message: PagesMessage) => port.postMessage(message);
const data = workerData as PagesWorkerData;

setLogger(
  createLogger({
    stdout: { write: (line: string) => post({ type: 'log', stream: 'stdout', line }) },
    stderr: { write: (line: string) => post({ type: 'log', stream: 'stderr', line }) },
  }),
);
bridgeConsoleToLogger();
installMetricsSink(forwardingSink((call) => post({ type: 'metric', call })));

async function start(): Promise<void> {
  const ctx = getAppContext();
  addSensitiveValues([ctx.secret, ctx.config.forwardAuth.proxySecret, ctx.config.metricsToken, ctx.config.oidc?.clientSecret]);
  const app = next({ dev: false, dir: data.root, hostname: data.hostname, port: data.port });
  await app.prepare();
  const handleNext = app.getRequestHandler();

  const server = http.createServer((req, res) => {
    runWithRequestContext({ requestId: requestIdOf(req) ?? '' }, () => {
      handleNext(req, res).catch((error: unknown) => failRequest(req, res, error));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(data.socketPath, () => resolve());
  });

  // This thread's database pool, for the request thread's /metrics (read there when scraped).
  const reportPool = () => post({ type: 'pool', stats: dbPoolCollector()?.() ?? null });
  const poolReports = setInterval(reportPool, POOL_REPORT_MS);
  poolReports.unref();

  port.on('message', (message: { type?: string }) => {
    if (message?.type !== 'close') return;
    clearInterval(poolReports);
    // The request thread has drained its requests: whatever is still open here is idle.
    server.close();
    server.closeAllConnections();
    void (async () => {
      for (const step of [() => app.close?.(), () => closeRedis(), () => ctx.db.close()]) {
        try {
          await step();
        } catch (error) {
          log('warn', 'pages thread: shutdown step failed', { error: (error as Error).message });
        }
      }
      post({ type: 'closed' });
      port.close();
    })();
  });
  post({ type: 'ready' });
  reportPool();
}

const POOL_REPORT_MS = 2_000;

start().catch((error: unknown) => {
  post({ type: 'failed', error: (error as Error).message });
  process.exit(1);
});
