// `npm run bench`: Gatehouse's protocol endpoints side by side with
// node-oidc-provider, better-auth's oauth-provider and a bare floor, driven in
// one run by the same load generator (autocannon, fixed connections and
// duration), one endpoint and one server at a time. Builds nothing: Gatehouse
// runs from the existing Next.js build. Writes bench/results/latest.json.
//
// Environment: BENCH_SECONDS (per endpoint and server, default 5),
// BENCH_WARMUP (default 1), BENCH_CONNECTIONS (default 20), BENCH_PORT (first of
// four ports, default 4100), BENCH_SERVERS and BENCH_ENDPOINTS (comma lists, to
// run a subset), BENCH_KEEP=1 keeps the data folder and server logs.
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENDPOINTS, ENDPOINT_LABELS, planFor } from './endpoints.ts';
import { measure, type Measurement } from './load.ts';
import { report, type Row } from './report.ts';
import { startBetterAuth } from './servers/better-auth.ts';
import { startFloor } from './servers/floor.ts';
import { startGatehouse } from './servers/gatehouse.ts';
import { startOidcProvider } from './servers/oidc-provider.ts';
import { revokedStaysRevoked, smokeTest } from './smoke.ts';
import type { Endpoint, RunningServer, SeedCounts, ServerName, StartOptions } from './types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMPARE = path.join(ROOT, 'bench/compare');

const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? 5);
const WARMUP = Number(env.BENCH_WARMUP ?? 1);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 20);
const PORT = Number(env.BENCH_PORT ?? 4100);
const list = (value: string | undefined) => value?.split(',').map((s) => s.trim()).filter(Boolean);

const STARTERS: Record<ServerName, (opts: StartOptions) => Promise<RunningServer>> = {
  gatehouse: startGatehouse,
  'oidc-provider': startOidcProvider,
  'better-auth': startBetterAuth,
  floor: startFloor,
};

/**
 * The highest rate each server is expected to reach on a consuming endpoint
 * (code exchange, refresh, revocation) on 2 cores: pools hold 1.5× that over
 * the warm-up and the run. A pool that still runs dry ends its run early, and
 * the row says so (its rate, over the shorter time, stays valid).
 */
const EXPECTED_MAX_RATE: Record<ServerName, number> = { gatehouse: 6000, 'oidc-provider': 6000, 'better-auth': 500, floor: 12000 };

function countsFor(name: ServerName): SeedCounts {
  const n = Math.ceil(EXPECTED_MAX_RATE[name] * (SECONDS + WARMUP) * 1.5) + 10;
  return { codes: n, refresh: n, revoke: n, dpopRefresh: n };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const tty = process.stderr.isTTY;
function progress(line: string, done = false): void {
  if (tty) process.stderr.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
  else if (done) log(line);
}

function preflight(): void {
  if (!existsSync(path.join(ROOT, '.next/BUILD_ID'))) {
    log('No Next.js build found (.next/BUILD_ID). The benchmark runs Gatehouse\'s production server and builds nothing itself: run `npm run build` first.');
    process.exit(2);
  }
  if (!existsSync(path.join(COMPARE, 'node_modules/better-auth/package.json'))) {
    log('Installing the comparison servers\' dependencies into bench/compare (first run only; better-sqlite3 may compile, a few minutes) …');
    const result = spawnSync('npm', ['ci', '--prefix', COMPARE, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    if (result.status !== 0) {
      log('npm ci --prefix bench/compare failed');
      process.exit(1);
    }
  }
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadAverage(),
  };
}

function loadAverage(): number[] {
  return existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) : [];
}

/** The names asked for, or all of them; an unknown name stops the run with the list to choose from. */
function known(variable: string, asked: string[] | undefined, all: string[]): string[] {
  const unknown = (asked ?? []).filter((name) => !all.includes(name));
  if (unknown.length) throw new Error(`${variable}: unknown ${unknown.join(', ')}; choose from ${all.join(', ')}`);
  return asked ?? all;
}

async function main(): Promise<void> {
  preflight();
  const names = known('BENCH_SERVERS', list(env.BENCH_SERVERS), Object.keys(STARTERS)) as ServerName[];
  const endpoints = known('BENCH_ENDPOINTS', list(env.BENCH_ENDPOINTS), [...ENDPOINTS]) as Endpoint[];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-'));
  const started = Date.now();
  const host = machine();
  log(`Protocol benchmark: ${names.join(', ')}; ${endpoints.length} endpoints; ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s each; ${host.cores} cores, load ${host.loadAverageAtStart.join(' ')}`);
  log(`Starting and seeding the servers (data and logs in ${dataDir}) …`);

  const servers: RunningServer[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const results = await Promise.allSettled(
      names.map((name, i) =>
        STARTERS[name]({ port: PORT + i, dataDir, counts: countsFor(name), log }).then((s) => {
          log(`  ${name} ready and seeded after ${((Date.now() - started) / 1000).toFixed(0)} s`);
          return (servers.push(s), s);
        }),
      ),
    );
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${names[i]}: ${(r.reason as Error).message}`] : []));
    if (failed.length) throw new Error(`could not start: ${failed.join('; ')}`);
    servers.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
    log(`Servers ready after ${((Date.now() - started) / 1000).toFixed(0)} s; checking that each one answers every endpoint correctly …`);

    const jwts = new Map<ServerName, string | null>();
    const smoke = new Map<ServerName, Record<string, string>>();
    for (const server of servers) {
      const check = await smokeTest(server);
      jwts.set(server.name, check.accessToken);
      smoke.set(server.name, check.problems);
      for (const [endpoint, problem] of Object.entries(check.problems)) log(`  ${server.name} ${endpoint}: ${problem}`);
    }

    const rows: Row[] = [];
    const total = endpoints.length * servers.length;
    let index = 0;
    for (const endpoint of endpoints) {
      for (const server of servers) {
        index += 1;
        const label = `[${index}/${total}] ${ENDPOINT_LABELS[endpoint]} · ${server.name}`;
        const plan = planFor(endpoint, server, jwts.get(server.name) ?? null);
        if (!plan) {
          rows.push({ endpoint, server: server.name, result: null, note: 'not offered' });
          progress(`${label}: not offered`, true);
          continue;
        }
        const run = (seconds: number, phase: string) =>
          measure(server.url, plan, { connections: CONNECTIONS, seconds, onTick: (t) => progress(`${label}: ${phase} ${t.toFixed(0)}/${seconds} s`) });
        if (WARMUP > 0) await run(WARMUP, 'warm-up');
        const result: Measurement = await run(SECONDS, 'measuring');
        const smokeProblem = smoke.get(server.name)?.[endpoint];
        rows.push({ endpoint, server: server.name, result, broken: Boolean(smokeProblem), note: [plan.note, smokeProblem && `check failed: ${smokeProblem}`].filter(Boolean).join('; ') || undefined });
        const failures = result.non2xx + result.mismatches + result.errors + result.timeouts;
        progress(`${label}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${failures ? `, ${failures} FAILED` : ''}${result.exhausted ? ', pool ran out' : ''}`, true);
      }
    }

    for (const server of servers) {
      const problem = endpoints.includes('revoke') ? await revokedStaysRevoked(server) : null;
      const row = rows.find((r) => r.endpoint === 'revoke' && r.server === server.name);
      if (problem && row) {
        log(`  ${server.name} revoke: ${problem}`);
        row.note = [row.note, `check failed: ${problem}`].filter(Boolean).join('; ');
        row.broken = true;
      }
    }

    const output = report(rows, {
      machine: { ...host, loadAverageAtEnd: loadAverage() },
      settings: { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP, loadGenerator: 'autocannon 9 (in the runner process)', servers: names },
      startedAt: new Date(started).toISOString(),
      wallSeconds: Math.round((Date.now() - started) / 1000),
    });
    process.stdout.write(`${output.text}\n`);
    const resultsDir = path.join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(output.json, null, 2)}\n`);
    log(`Wrote bench/results/latest.json (${output.json.wallSeconds} s in all).`);
  } finally {
    await stopAll();
    if (env.BENCH_KEEP) log(`Kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(`benchmark failed: ${(error as Error).message}`);
  process.exit(1);
});
