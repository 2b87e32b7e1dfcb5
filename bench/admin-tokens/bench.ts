// The admin token list at a million rows: runs the very function the
// /admin/tokens page and its server action call (listTokens) for each kind of
// query an operator makes, and prints p50 / p95 / max server time per query.
// Goal: every query under 100 ms.
//
//   npx tsx bench/admin-tokens/seed.ts && npx tsx bench/admin-tokens/bench.ts
//   DATABASE_URL=postgresql://… npx tsx bench/admin-tokens/bench.ts
//   options: --runs 30 --file path/to.db --json out.json
//
// Each query runs `runs` times with different arguments where it takes one
// (another user, another cursor), after one warm-up round. Times include the
// name look-ups and the hydration of the page, i.e. all database work of a page.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../../lib/server/db/client.ts';
import { listTokens, tokenCursorAt, type TokenFilter } from '../../lib/server/db/tokens-admin.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(arg('runs', '30'));
const GOAL_MS = 100;
const url = process.env.DATABASE_URL ?? `file:${path.resolve(arg('file', path.join(here, 'data', 'bench.db')))}`;
const USERS = Number(arg('users', '100000'));

type Query = { name: string; run: (i: number) => Promise<unknown> };

let userSeed = 7;
const someUser = () => {
  userSeed = (userSeed * 48271) % 2147483647;
  return userSeed % USERS;
};

async function main() {
  const db = openDb(url);
  const list = (filter: TokenFilter, after?: string) => listTokens(db, filter, { after });
  const DAY = 86_400_000;
  // Cursors from real pages: walking the first pages of the unfiltered list.
  const cursors: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < RUNS; i++) {
    const page = await list({}, after);
    if (!page.next) break;
    cursors.push(page.next);
    after = page.next;
  }
  const queries: Query[] = [
    { name: 'first page, no filter', run: () => list({}) },
    { name: 'next pages (real cursors)', run: (i) => list({}, cursors[i % cursors.length]) },
    { name: 'deep page (90 days back, ~500k rows in)', run: (i) => list({}, tokenCursorAt(new Date(Date.now() - (80 + (i % 20)) * DAY))) },
    { name: 'user filter (email)', run: () => list({ user: `user${someUser()}@bench.example` }) },
    { name: 'user filter + status active', run: () => list({ user: `user${someUser()}@bench.example`, status: 'active' }) },
    { name: 'client filter, most popular', run: () => list({ client: 'ghc_bench0000' }) },
    { name: 'client filter, #5 (~4,300 grants)', run: () => list({ client: 'ghc_bench0005' }) },
    { name: 'client filter, #10 (~2,300 grants)', run: () => list({ client: 'ghc_bench0010' }) },
    { name: 'client filter, mid (#20)', run: () => list({ client: 'ghc_bench0020' }) },
    { name: 'client filter, rare (#199)', run: () => list({ client: 'ghc_bench0199' }) },
    { name: 'client filter, deep page', run: (i) => list({ client: 'ghc_bench0005' }, tokenCursorAt(new Date(Date.now() - (60 + i) * DAY))) },
    { name: 'team filter', run: (i) => list({ team: `Team ${i * 7}` }) },
    { name: 'type=refresh status=active', run: () => list({ type: 'refresh', status: 'active' }) },
    { name: 'type=access status=revoked', run: () => list({ type: 'access', status: 'revoked' }) },
    { name: 'type=personal status=expired', run: () => list({ type: 'personal', status: 'expired' }) },
    { name: 'type=refresh status=reused (rare)', run: () => list({ type: 'refresh', status: 'reused' }) },
    { name: 'status=active, all kinds', run: () => list({ status: 'active' }) },
    { name: 'search: email prefix', run: () => list({ q: `user${someUser()}` }) },
    { name: 'search: client name', run: () => list({ q: 'claude' }) },
    { name: 'search: team name', run: (i) => list({ q: `Team ${i}` }) },
    { name: 'search: id prefix', run: (i) => list({ q: `${(0x100000 + i * 7919).toString(16).slice(0, 6)}` }) },
    { name: 'search: personal token prefix', run: () => list({ q: 'gh_pat_a1' }) },
  ];

  const results: { name: string; runs: number; p50: number; p95: number; max: number; rows: number }[] = [];
  for (const query of queries) {
    await query.run(RUNS); // warm-up: statement caches, pages in memory
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const page = (await query.run(i)) as { rows: unknown[] };
      times.push(performance.now() - started);
      rows += page.rows.length;
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    results.push({ name: query.name, runs: RUNS, p50: at(0.5), p95: at(0.95), max: times[times.length - 1], rows: Math.round(rows / RUNS) });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  await db.close();

  const counts = url.startsWith('file:') ? 'SQLite' : 'PostgreSQL';
  console.log(`admin token list — ${counts}, ${RUNS} runs per query, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'})`);
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (v: number) => v.toFixed(1).padStart(8);
  console.log(`${pad('query', 42)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}${'max ms'.padStart(8)}${'rows'.padStart(6)}  goal`);
  for (const r of results) {
    console.log(`${pad(r.name, 42)}${num(r.p50)}${num(r.p95)}${num(r.max)}${String(r.rows).padStart(6)}  ${r.p95 < GOAL_MS ? 'ok' : `over ${GOAL_MS} ms`}`);
  }
  const worst = Math.max(...results.map((r) => r.p95));
  console.log(`worst p95: ${worst.toFixed(1)} ms — ${worst < GOAL_MS ? 'under' : 'OVER'} the ${GOAL_MS} ms goal`);
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify({ provider: counts, runs: RUNS, at: new Date().toISOString(), results }, null, 2));
  if (worst >= GOAL_MS) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
