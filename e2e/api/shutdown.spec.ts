// Graceful shutdown of the real server: on SIGTERM a second Gatehouse
// (the production build, its own SQLite file) stops accepting connections,
// finishes the request in flight, cuts off one that would never finish once
// the 10 s bound has passed, and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DRAIN_BOUND_MS = 10_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('GATEHOUSE_') || ['PORT', 'DATABASE_URL', 'REDIS_URL'].includes(name)) continue;
    env[name] = value;
  }
  return env;
}

async function waitForReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited early (${child.exitCode}):\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not become ready:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** A token request whose head and half its body are sent now; the rest when asked. */
function openSlowRequest(port: number): { finish(): void; reply: Promise<string> } {
  const body = 'grant_type=client_credentials&client_id=nobody';
  const socket = net.connect(port, '127.0.0.1');
  socket.write(
    `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  );
  let received = '';
  socket.setEncoding('utf8').on('data', (d: string) => (received += d));
  const reply = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.on('error', () => {});
  return { finish: () => socket.write(body.slice(10)), reply };
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

test('SIGTERM: no new connections, the request in flight completes, a stuck one is cut off at the bound, exit 0', async () => {
  test.setTimeout(120_000);
  const port = await freePort();
  const dir = path.join(ROOT, `e2e/.output/shutdown-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'server.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['bin/gatehouse.mjs', 'serve'], {
    cwd: ROOT,
    env: {
      ...cleanEnv(),
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: `file:${path.join(dir, 'gatehouse.db')}`,
      GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(url, child, logFile);

    const slow = openSlowRequest(port);
    const stuck = openSlowRequest(port);
    // Both requests have reached the server (their heads are parsed) before the signal.
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode, 'the server must wait for its requests').toBeNull();
    expect(await connectionRefused(port), 'new connections are refused').toBe(true);

    slow.finish();
    const reply = await slow.reply;
    // The in-flight request got a complete answer (the unknown client's 401), and its connection closed.
    expect(reply).toMatch(/^HTTP\/1\.1 401 /);
    expect(reply).toMatch(/\r\nconnection: close\r\n/i);
    expect(reply).toContain('"error":"invalid_client"');

    const { code, signal, at } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const took = at - signalledAt;
    expect(took, 'the stuck request holds the shutdown until the bound').toBeGreaterThanOrEqual(DRAIN_BOUND_MS - 500);
    expect(took, 'and not much longer').toBeLessThan(DRAIN_BOUND_MS + 5_000);
    expect(await stuck.reply, 'the stuck request was cut off').toBe('');

    const lines = fs.readFileSync(logFile, 'utf8');
    expect(lines).toContain('shutting down');
    expect(lines).toContain('"abandoned":1');
    // Both requests have their access-log line; the cut-off one says so.
    const access = lines.split('\n').filter((l) => l.includes('"msg":"request"') && l.includes('"route":"/oauth/token"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(access.map((l) => l.aborted ?? false).sort()).toEqual([false, true]);
    // Kept for a look when the test fails.
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
