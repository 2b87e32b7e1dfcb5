// What a token verification costs an MCP server, in process (no HTTP in front):
//
//   npx tsx bench/verify/verify-bench.ts [--seconds 2]
//
// Measured in the same run, in interleaved rounds (median round reported),
// each verification awaited before the next:
//   bare jose.jwtVerify     the floor: signature + claims with an already-imported key
//   JWT, cached             @gatehouse/verify seeing a token again (the common case)
//   JWT, cold               cache bypassed: JWKS key cached, signature checked again
//   JWT, first sight        each of a few thousand new tokens once: verify + cache insert
//   introspected, cached    a personal token answered from the introspection cache
//   introspected, uncached  a personal token introspected over HTTP every time
//                           (a fake Gatehouse endpoint on 127.0.0.1)
// Goal: a cached verification at least 10× cheaper than a bare jwtVerify.
// Writes bench/verify/results-latest.json.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJWK, jwtVerify } from 'jose';
import { createVerifier } from '../../packages/verify/src/index.ts';
import { makeSigningKey, signAccessToken, startFakeGatehouse } from '../../packages/verify/src/testing/fake-gatehouse.ts';

const args = process.argv.slice(2);
const secondsArg = args.indexOf('--seconds');
const SECONDS = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 2;
const WARMUP_SECONDS = Math.min(0.3, SECONDS / 4);
const GOAL = 10;
const ROUNDS = 4;
/** New tokens for the first-sight row: 200 to warm up, then 200 per round. */
const FRESH_TOKENS = 200 * (ROUNDS + 1);
const RESOURCE = 'http://localhost:3120/mcp';

type Sample = { ops: number; ms: number };
type Row = { name: string; run(budgetMs: number): Promise<Sample> };
type Result = { name: string; ops: number; seconds: number; opsPerSec: number; usPerOp: number; vsBare?: number };

const progress = (line: string) => process.stderr.write(`\r\x1b[2K${line}`);

/** A row that runs `op` back to back for the time budget; the clock is read every `batch` calls. */
function timedRow(name: string, op: () => Promise<unknown>, batch = 64): Row {
  return {
    name,
    async run(budgetMs) {
      const start = performance.now();
      const end = start + budgetMs;
      let ops = 0;
      let now = start;
      while (now < end) {
        for (let k = 0; k < batch; k++) await op();
        ops += batch;
        now = performance.now();
      }
      return { ops, ms: now - start };
    },
  };
}

/** A row whose items must each be used once (new tokens): every run takes the next slice. */
function eachRow<T>(name: string, items: T[], slice: number, op: (item: T) => Promise<unknown>): Row {
  let next = 0;
  return {
    name,
    async run() {
      const chunk = items.slice(next, next + slice);
      next += slice;
      const start = performance.now();
      for (const item of chunk) await op(item);
      return { ops: chunk.length, ms: performance.now() - start };
    },
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Interleaved rounds: every row runs a slice of its time in each round, so a
 * noisy neighbour slows all rows alike; a row's cost is its median round.
 */
async function measureRows(rows: Row[]): Promise<Result[]> {
  const budgetMs = (SECONDS * 1000) / ROUNDS;
  for (const row of rows) {
    progress(`warming up ${row.name} …`);
    await row.run(WARMUP_SECONDS * 1000);
  }
  const samples = rows.map(() => [] as Sample[]);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, row] of rows.entries()) {
      const sample = await row.run(budgetMs);
      samples[i].push(sample);
      progress(`round ${round}/${ROUNDS} · ${row.name.padEnd(24)} ${Math.round((sample.ops / sample.ms) * 1000).toLocaleString('en-US')} ops/s`);
    }
  }
  return rows.map((row, i) => {
    const usPerOp = median(samples[i].map((s) => (s.ms * 1000) / s.ops));
    const ops = samples[i].reduce((n, s) => n + s.ops, 0);
    const seconds = samples[i].reduce((n, s) => n + s.ms, 0) / 1000;
    return { name: row.name, ops, seconds, opsPerSec: 1e6 / usPerOp, usPerOp };
  });
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** `speedup` = bare µs/op ÷ this row's µs/op. */
const relative = (speedup: number) => (speedup >= 1.1 ? `${fmt(speedup, 1)}× cheaper` : speedup <= 0.9 ? `${fmt(1 / speedup, 1)}× costlier` : `≈ same (${fmt(speedup, 2)}×)`);

async function main() {
  progress('starting a fake Gatehouse (JWKS + introspection on 127.0.0.1) …');
  const gatehouse = await startFakeGatehouse();
  try {
    const key = await makeSigningKey('bench-key');
    gatehouse.published.push(key.publicJwk);
    const pat = 'gh_pat_benchmarkbenchmarkbenchmarkbench';
    gatehouse.answers.set(pat, {
      active: true,
      iss: gatehouse.issuer,
      sub: 'user-bench',
      scope: '',
      aud: gatehouse.issuer,
      token_type: 'Bearer',
      token_kind: 'personal_token',
      workspaces: ['alpha'],
      tools: ['*'],
    });
    const token = await signAccessToken(key, { issuer: gatehouse.issuer, audience: RESOURCE, expiresIn: 3600 });

    const verifier = createVerifier({
      issuer: gatehouse.issuer,
      resource: RESOURCE,
      jwksUri: gatehouse.jwksUri,
      introspection: { clientId: gatehouse.client.id, clientSecret: gatehouse.client.secret, cacheTtlMs: 60_000, endpoint: gatehouse.introspectionEndpoint },
    });
    const publicKey = await importJWK(key.publicJwk, 'ES256');
    const bareOptions = { issuer: gatehouse.issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['ES256'], requiredClaims: ['sub', 'exp', 'jti', 'client_id'] };
    // Prime the JWKS so every JWT row measures verification, not the first fetch.
    await verifier.verifyToken(token);

    progress('signing distinct tokens for the first-sight row …');
    const fresh = await Promise.all(Array.from({ length: FRESH_TOKENS }, () => signAccessToken(key, { issuer: gatehouse.issuer, audience: RESOURCE, expiresIn: 3600 })));

    const results = await measureRows([
      timedRow('bare jose.jwtVerify', () => jwtVerify(token, publicKey, bareOptions)),
      timedRow('JWT, cached', () => verifier.verifyToken(token), 1024),
      timedRow('JWT, cold (no cache)', () => verifier.verifyToken(token, { cache: false })),
      // Each token exactly once: a cache miss, a verification and an insert.
      eachRow('JWT, first sight', fresh, 200, (t) => verifier.verifyToken(t)),
      timedRow('introspected, cached', () => verifier.verifyToken(pat), 1024),
      timedRow('introspected, uncached', () => verifier.verifyToken(pat, { cache: false }), 8),
    ]);
    progress('');

    const bare = results[0];
    for (const r of results) r.vsBare = bare.usPerOp / r.usPerOp;

    const rows = [
      ['measurement', 'ops/s', 'µs/op', 'vs bare jwtVerify'],
      ...results.map((r) => [r.name, fmt(r.opsPerSec), fmt(r.usPerOp, 2), r === bare ? 'baseline' : relative(r.vsBare!)]),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
    const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
    process.stderr.write('\r\x1b[2K');
    console.log(`\n@gatehouse/verify — ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, ${ROUNDS} rounds × ${fmt((SECONDS * 1000) / ROUNDS)} ms per row, load average ${os.loadavg()[0].toFixed(1)}\n`);
    console.log(line(rows[0]));
    console.log(widths.map((w) => '─'.repeat(w)).join('  '));
    for (const row of rows.slice(1)) console.log(line(row));

    const cached = results.find((r) => r.name === 'JWT, cached')!;
    const met = cached.vsBare! >= GOAL;
    console.log(`\ngoal: cached JWT verification ≥ ${GOAL}× cheaper than bare jwtVerify — ${fmt(cached.vsBare!, 1)}× ${met ? 'MET' : 'NOT MET'}`);
    console.log(`JWKS fetches: ${verifier.jwks.fetchCount}; introspection requests: ${verifier.introspection!.stats.requests} (cache hits ${fmt(verifier.introspection!.stats.hits)})`);

    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results-latest.json');
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model.trim(),
          secondsPerRow: SECONDS,
          loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
          goal: { cachedVsBareAtLeast: GOAL, cachedVsBare: Number(cached.vsBare!.toFixed(2)), met },
          results: results.map((r) => ({ name: r.name, ops: r.ops, seconds: Number(r.seconds.toFixed(3)), opsPerSec: Math.round(r.opsPerSec), usPerOp: Number(r.usPerOp.toFixed(3)), vsBare: Number(r.vsBare!.toFixed(2)) })),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
    if (!met) process.exitCode = 1;
  } finally {
    await gatehouse.close();
  }
}

await main();
