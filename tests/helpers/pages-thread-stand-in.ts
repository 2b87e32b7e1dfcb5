// A stand-in for the pages thread (lib/server/runtime/pages-worker.ts) that
// speaks the same messages on the same socket without Next.js: it answers
// every request with its thread's start time, and `/exit` ends the thread the
// way a crash would.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { PagesMessage, PagesWorkerData } from '../../lib/server/runtime/pages.ts';

const port = parentPort!;
const data = workerData as PagesWorkerData;
const startedAt = String(Date.now() + Math.random());

const server = http.createServer((req, res) => {
  if (req.url === '/exit') process.exit(3);
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(startedAt);
});
server.listen(data.socketPath, () => port.postMessage({ type: 'ready' } satisfies PagesMessage));
port.on('message', (message: { type?: string }) => {
  if (message?.type !== 'close') return;
  server.close();
  server.closeAllConnections();
  port.postMessage({ type: 'closed' } satisfies PagesMessage);
  port.close();
});
