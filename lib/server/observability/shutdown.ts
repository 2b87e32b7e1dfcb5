// Graceful shutdown for a node:http server: stop accepting connections, let
// the requests in flight finish (bounded), close keep-alive connections as
// soon as they fall idle, then force-close whatever is left. Then the
// registered shutdown hooks run (pools and clients: Redis, …), each bounded.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export const SHUTDOWN_DRAIN_MS = 10_000;
export const SHUTDOWN_HOOK_MS = 5_000;

export type DrainResult = { forced: boolean; abandoned: number; ms: number };

export type Drainer = {
  /** Call for every request, first thing. */
  track(req: IncomingMessage, res: ServerResponse): void;
  readonly draining: boolean;
  readonly inFlight: number;
  /** Stops accepting and waits for in-flight requests, at most timeoutMs; idempotent. */
  drain(timeoutMs?: number): Promise<DrainResult>;
};

export function createDrainer(server: Server): Drainer {
  const active = new Set<ServerResponse>();
  let draining = false;
  let drained: Promise<DrainResult> | null = null;

  const closeWhenIdle = () => setImmediate(() => server.closeIdleConnections());
  let onEmpty: (() => void) | null = null;

  /** Responses emit 'close' (and write their access-log lines) a moment after their connection is gone. */
  function settled(ms: number): Promise<void> {
    if (active.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      onEmpty = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  return {
    track(_req, res) {
      active.add(res);
      // A request arriving on a kept-alive connection during the drain is answered, then the connection closes.
      if (draining) res.setHeader('Connection', 'close');
      res.on('close', () => {
        active.delete(res);
        if (draining) closeWhenIdle();
        if (active.size === 0) onEmpty?.();
      });
    },
    get draining() {
      return draining;
    },
    get inFlight() {
      return active.size;
    },
    drain(timeoutMs = SHUTDOWN_DRAIN_MS) {
      drained ??= new Promise<DrainResult>((resolve) => {
        const started = Date.now();
        draining = true;
        for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
        let timer: NodeJS.Timeout | undefined;
        let forced = false;
        let abandoned = 0;
        // Stops listening at once; the callback runs when the last connection has closed.
        server.close(() => {
          clearTimeout(timer);
          void settled(1_000).then(() => resolve({ forced, abandoned, ms: Date.now() - started }));
        });
        server.closeIdleConnections();
        timer = setTimeout(() => {
          forced = true;
          abandoned = active.size;
          server.closeAllConnections();
        }, timeoutMs);
        timer.unref?.();
      });
      return drained;
    },
  };
}

type Hook = { name: string; fn: () => Promise<unknown> | unknown };

const globalForShutdown = globalThis as unknown as { __gatehouseShutdownHooks?: Hook[] };

/**
 * Something to close when the server shuts down (after the last request):
 * a Redis client, a pool. Runs once, bounded by SHUTDOWN_HOOK_MS; a failing
 * hook is logged by the caller and does not stop the others.
 */
export function onShutdown(name: string, fn: () => Promise<unknown> | unknown): void {
  (globalForShutdown.__gatehouseShutdownHooks ??= []).push({ name, fn });
}

export async function runShutdownHooks(timeoutMs = SHUTDOWN_HOOK_MS): Promise<Array<{ name: string; error: string }>> {
  const hooks = globalForShutdown.__gatehouseShutdownHooks ?? [];
  globalForShutdown.__gatehouseShutdownHooks = [];
  const failures: Array<{ name: string; error: string }> = [];
  await Promise.all(
    hooks.map(async ({ name, fn }) => {
      try {
        await within(Promise.resolve().then(fn), timeoutMs, name);
      } catch (error) {
        failures.push({ name, error: (error as Error)?.message ?? String(error) });
      }
    }),
  );
  return failures;
}

/** Resolves or rejects with `promise`, or rejects after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
