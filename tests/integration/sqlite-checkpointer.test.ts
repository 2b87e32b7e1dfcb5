// The background WAL checkpointer rewinds the WAL under writes that never
// pause (where a PASSIVE checkpoint alone rarely finds it idle), without
// losing a row.
import { closeSync, openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../lib/server/db/client.ts';
import { startSqliteCheckpointer, type Checkpointer } from '../../lib/server/db/sqlite-checkpointer.ts';
import { sqliteFileOf } from '../../lib/server/db/url.ts';
import { openMigratedDatabase } from '../helpers/databases.ts';

describe('SQLite WAL checkpointer', () => {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  /**
   * Writes in back-to-back batches for `ms`, as the request thread does under
   * load. Returns the rows written and how often the WAL was rewound (the
   * checkpoint sequence number in the WAL header, bytes 12–15, moves on each
   * rewind).
   */
  async function writeWithoutPause(db: Db, ms: number): Promise<{ rows: number; rewinds: number }> {
    const connection = await db.sqlite!();
    connection.pragma('busy_timeout = 0');
    connection.exec('CREATE TABLE IF NOT EXISTS "Filler" ("id" TEXT PRIMARY KEY, "data" TEXT NOT NULL)');
    const insert = connection.prepare('INSERT INTO "Filler" ("id", "data") VALUES (?, ?)');
    const batch = connection.transaction(() => {
      for (let i = 0; i < 20; i++) insert.run(randomBytes(16).toString('hex'), randomBytes(600).toString('hex'));
    });
    const wal = `${sqliteFileOf(db.url)}-wal`;
    let rows = 0;
    const sequence = (): number => {
      const header = Buffer.alloc(16);
      const fd = openSync(wal, 'r');
      readSync(fd, header, 0, 16, 0);
      closeSync(fd);
      return header.readUInt32BE(12);
    };
    const firstSequence = sequence();
    const until = Date.now() + ms;
    while (Date.now() < until) {
      try {
        batch.immediate();
        rows += 20;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { rows, rewinds: sequence() - firstSequence };
  }

  async function openWithCheckpointer(options: Parameters<typeof startSqliteCheckpointer>[2]): Promise<{ db: Db; errors: string[] }> {
    const database = await openMigratedDatabase('sqlite');
    const { db } = database;
    const errors: string[] = [];
    const checkpointer = (await startSqliteCheckpointer(db, (message) => errors.push(message), options)) as Checkpointer;
    cleanup.push(() => database.close(), () => checkpointer.stop());
    return { db, errors };
  }

  it('rewinds the WAL past its limit while writes never pause, losing nothing', async () => {
    const unbounded = await openWithCheckpointer({ intervalMs: 10, restartFrames: Number.MAX_SAFE_INTEGER, backstopPages: 1_000_000 });
    const grown = await writeWithoutPause(unbounded.db, 1_000);
    expect(unbounded.errors).toEqual([]);

    const { db, errors } = await openWithCheckpointer({ intervalMs: 10, restartFrames: 400, backstopPages: 1_000_000 });
    const { rows, rewinds } = await writeWithoutPause(db, 1_000);
    expect(errors).toEqual([]);
    // A PASSIVE checkpoint rewinds only when it happens to find the WAL idle.
    expect(rewinds).toBeGreaterThan(grown.rewinds + 2);
    const connection = await db.sqlite!();
    expect(Number(connection.prepare('SELECT count(*) FROM "Filler"').pluck().get())).toBe(rows);
    expect(connection.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
