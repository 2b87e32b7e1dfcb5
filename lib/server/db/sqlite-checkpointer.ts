// WAL checkpoints on SQLite, off the request path. By default SQLite
// checkpoints inside the COMMIT that pushes the WAL past 1,000 pages: that
// commit copies the pages into the database file and syncs it, on the one
// thread that answers requests. A worker thread with its own connection runs a
// PASSIVE checkpoint a few times a second instead (it never blocks writers or
// readers), and the request connection's automatic checkpoint is kept only as
// a backstop for a WAL that grows large anyway (the worker stopped, a long reader).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './client.ts';
import { sqliteFileOf } from './url.ts';

const INTERVAL_MS = 200;
/** The request connection still checkpoints past this many WAL pages (~40 MB). */
const BACKSTOP_PAGES = 10_000;

// An eval'd worker is a CommonJS script: no loader needed for TypeScript.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); }
  catch (error) { parentPort.postMessage({ error: String(error && error.message) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export type Checkpointer = { stop(): Promise<void> };

/** Starts background checkpointing for a SQLite database (null for PostgreSQL). */
export async function startSqliteCheckpointer(db: Db, onError: (message: string) => void): Promise<Checkpointer | null> {
  if (!db.sqlite) return null;
  const connection = await db.sqlite();
  connection.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: sqliteFileOf(db.url), intervalMs: INTERVAL_MS, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.on('message', (message: { error?: string }) => message.error && onError(message.error));
  // Without the worker, the request connection checkpoints as SQLite does by default.
  const fallBack = () => {
    try {
      if (connection.open) connection.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The connection is closing.
    }
  };
  worker.on('error', (error) => {
    onError(error.message);
    fallBack();
  });
  worker.on('exit', fallBack);
  worker.unref();
  return {
    async stop() {
      // Waited for: the process must not look idle while this thread winds down.
      worker.ref();
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await worker.terminate();
    },
  };
}
