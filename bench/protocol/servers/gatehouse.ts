// Gatehouse as deployed: `gatehouse serve` (the production server over the
// Next.js build) on the embedded SQLite default, rate limits off. Its database
// is seeded first, by a separate process, through Gatehouse's own persistence
// module (bench/protocol/seed-gatehouse.ts).
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runForOutput, stopProcess, waitForHttp } from '../processes.ts';
import type { RunningServer, Seeds, StartOptions } from '../types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function startGatehouse(opts: StartOptions): Promise<RunningServer> {
  const url = `http://127.0.0.1:${opts.port}`;
  const logFile = path.join(opts.dataDir, 'gatehouse.log');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(opts.port),
    GATEHOUSE_ISSUER: url,
    GATEHOUSE_LISTEN_ADDRESS: '127.0.0.1',
    DATABASE_URL: `file:${path.join(opts.dataDir, 'gatehouse.db')}`,
    GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
    // The per-IP limits would answer 429 to a load generator on one address.
    GATEHOUSE_RATE_LIMITS: 'false',
  };

  opts.log(`gatehouse: seeding ${opts.counts.codes} codes, ${opts.counts.refresh + opts.counts.revoke} refresh tokens through its persistence module`);
  const output = await runForOutput(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/protocol/seed-gatehouse.ts')], { ...env, BENCH_COUNTS: JSON.stringify(opts.counts) }, logFile);
  const seeds = JSON.parse(output.trim().split('\n').at(-1)!) as Seeds;

  const log = openSync(logFile, 'a');
  // BENCH_CPU_PROF_DIR: a V8 CPU profile of the server, written when it stops
  // (read it with bench/protocol/profile-top.ts).
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF_DIR)}`] : [];
  const child = spawn(process.execPath, [...profile, path.join(ROOT, 'bin/gatehouse.mjs'), 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  await waitForHttp(`${url}/readyz`, 60_000, child);

  return {
    name: 'gatehouse',
    url,
    paths: { metadata: '/.well-known/oauth-authorization-server', token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', jwks: '/.well-known/jwks.json' },
    seeds,
    pid: child.pid,
    stop: () => stopProcess(child),
  };
}
