// Child processes of the benchmark: each server runs in its own process, so it
// never shares an event loop with the load generator. Forked servers talk to
// the runner over IPC: they report `ready` once listening and answer `seed`.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import type { SeedCounts, Seeds } from './types.ts';

export type ChildMessage = { type: 'ready' } | { type: 'seeded'; seeds: Seeds } | { type: 'error'; message: string };
export type ParentMessage = { type: 'seed'; counts: SeedCounts };

/** Runs a TypeScript file in a forked node (through tsx), its output appended to `logFile`. */
export function forkServer(file: string, args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  return fork(file, args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log, 'ipc'],
  });
}

/** The next message of a kind from a forked server, or a rejection when it exits first. */
export function nextMessage<T extends ChildMessage['type']>(child: ChildProcess, type: T, timeoutMs: number, what: string): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'error') done(new Error(`${what}: ${message.message}`));
      else if (message.type === type) done(null, message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => done(new Error(`${what}: the process exited (code ${code})`));
    function done(error: Error | null, message?: Extract<ChildMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** In a forked server: answers the runner's `seed` request with `seedFn`, and says `ready`. */
export function serveParent(seedFn: (counts: SeedCounts) => Promise<Seeds>): void {
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'seed') return;
    seedFn(message.counts).then(
      (seeds) => process.send!({ type: 'seeded', seeds } satisfies ChildMessage),
      (error: unknown) => {
        // Framework errors (better-auth's APIError) carry their detail in `body`.
        const { body, status } = error as { body?: unknown; status?: unknown };
        const message = `${(error as Error).stack || `${(error as Error).name}: ${(error as Error).message}`}${body ? ` ${String(status)} ${JSON.stringify(body)}` : ''}`;
        process.send!({ type: 'error', message } satisfies ChildMessage);
      },
    );
  });
  // The runner going away takes its servers with it.
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready' } satisfies ChildMessage);
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs a command to completion and returns its standard output; its standard error goes to `logFile`. */
export function runForOutput(command: string, args: string[], env: Record<string, string>, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', openSync(logFile, 'a')] });
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`${command} ${args.join(' ')} exited with code ${code} (see ${logFile})`));
    });
  });
}

/** Polls `url` until it answers 2xx. */
export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the server exited (code ${child.exitCode})`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}: not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
