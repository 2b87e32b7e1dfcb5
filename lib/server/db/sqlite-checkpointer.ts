// WAL checkpoints on SQLite, off the request path. By default SQLite
// checkpoints inside the COMMIT that pushes the WAL past 1,000 pages: that
// commit copies the pages into the database file and syncs it, on the one
// thread that answers requests. A worker thread with its own connection runs a
// PASSIVE checkpoint a few times a second instead (it never blocks writers or
// readers), and the request connection's automatic checkpoint is kept only as
// a backstop for a WAL that grows large anyway (the worker stopped, a long reader).
//
// Under a steady stream of writes a PASSIVE checkpoint never finds the WAL
// idle, so the WAL is never rewound and grows until something stops the
// writers. Past RESTART_FRAMES the worker asks for a RESTART checkpoint, which
// holds off writers (not readers) while it copies the last frames and syncs,
// and is tried without waiting so that it slips in between two write batches.
// Writers meet it as SQLITE_BUSY and retry (sqlite-hot-paths.ts) for the
// ~20 ms it takes. It rewinds the WAL about once a second at 3,500 token
// writes a second, where the inline backstop stopped the whole request thread
// for 30–40 ms three times a second.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './client.ts';
import { sqliteFileOf } from './url.ts';

const INTERVAL_MS = 200;
/** Rewind the WAL once it holds this many frames (~160 MB at 4 KiB pages). */
const RESTART_FRAMES = 40_000;
/** The request connection still checkpoints past this many WAL pages (~400 MB). */
const BACKSTOP_PAGES = 100_000;

// An eval'd worker is a CommonJS script: no loader needed for TypeScript.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const BUSY_TIMEOUT_MS = 5000;
const db = new Database(workerData.file, { timeout: BUSY_TIMEOUT_MS });
const pause = new Int32Array(new SharedArrayBuffer(4));
function restart() {
  db.pragma('busy_timeout = 0');
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (db.pragma('wal_checkpoint(RESTART)')[0].busy === 0) return;
      Atomics.wait(pause, 0, 0, 1);
    }
  } finally {
    db.pragma('busy_timeout = ' + BUSY_TIMEOUT_MS);
  }
}
const timer = setInterval(() => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log >= workerData.restartFrames) restart();
  } catch (error) { parentPort.postMessage({ error: String(error && error.message) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export type Checkpointer = { stop(): Promise<void> };

/** Starts background checkpointing for a SQLite database (null for PostgreSQL). */
export async function startSqliteCheckpointer(
  db: Db,
  onError: (message: string) => void,
  { intervalMs = INTERVAL_MS, restartFrames = RESTART_FRAMES, backstopPages = BACKSTOP_PAGES } = {},
): Promise<Checkpointer | null> {
  if (!db.sqlite) return null;
  const connection = await db.sqlite();
  connection.pragma(`wal_autocheckpoint = ${backstopPages}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: sqliteFileOf(db.url), intervalMs, restartFrames, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
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
