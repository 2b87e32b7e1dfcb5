// The drain behind graceful shutdown, on a plain node:http server: requests in
// flight finish, new connections are refused, idle keep-alive connections
// close, and whatever is still running after the bound is cut off.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDrainer, onShutdown, runShutdownHooks, type Drainer } from '../../lib/server/observability/shutdown.ts';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/** A server whose POST handler answers once the whole body has arrived. */
async function start(): Promise<{ server: http.Server; drainer: Drainer; port: number }> {
  const server = http.createServer((req, res) => {
    drainer.track(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`got ${Buffer.concat(chunks).length} bytes`));
  });
  const drainer = createDrainer(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.closeAllConnections());
  return { server, drainer, port: (server.address() as AddressInfo).port };
}

/** Sends the head and part of a body; returns the socket and a promise of everything it receives. */
function slowRequest(port: number, total: number): { socket: net.Socket; reply: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n${'a'.repeat(total / 2)}`);
  let received = '';
  socket.setEncoding('utf8').on('data', (d: string) => (received += d));
  const reply = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  cleanup.push(() => socket.destroy());
  return { socket, reply };
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

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe('createDrainer', () => {
  it('lets a request in flight finish, refuses new connections, closes its connection afterwards', async () => {
    const { drainer, port } = await start();
    const slow = slowRequest(port, 10);
    await tick();
    expect(drainer.inFlight).toBe(1);

    const drained = drainer.drain(5_000);
    await tick();
    expect(await connectionRefused(port)).toBe(true);

    slow.socket.write('b'.repeat(5));
    const reply = await slow.reply;
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reply).toMatch(/connection: close/i);
    expect(reply).toContain('got 10 bytes');
    const result = await drained;
    expect(result.forced).toBe(false);
    expect(result.ms).toBeLessThan(5_000);
  });

  it('closes idle keep-alive connections at once', async () => {
    const { drainer, port } = await start();
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    const res = await fetchWith(agent, port);
    expect(res).toBe('got 0 bytes');
    const result = await drainer.drain(5_000);
    expect(result.forced).toBe(false);
    expect(result.ms).toBeLessThan(1_000);
  });

  it('cuts off requests still running after the bound', async () => {
    const { drainer, port } = await start();
    const stalled = slowRequest(port, 10);
    await tick();
    const started = Date.now();
    const result = await drainer.drain(300);
    expect(result.forced).toBe(true);
    expect(result.abandoned).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await stalled.reply).toBe('');
  });

  it('is idempotent', async () => {
    const { drainer } = await start();
    expect(drainer.drain(1_000)).toBe(drainer.drain(1_000));
    await drainer.drain();
  });
});

describe('shutdown hooks', () => {
  it('run once each, bounded, and report failures without stopping the others', async () => {
    const ran: string[] = [];
    onShutdown('a', () => void ran.push('a'));
    onShutdown('b', () => {
      throw new Error('b failed');
    });
    onShutdown('c', () => new Promise(() => {}));
    onShutdown('d', async () => void ran.push('d'));
    const failures = await runShutdownHooks(100);
    expect(ran.sort()).toEqual(['a', 'd']);
    expect(failures.map((f) => f.name).sort()).toEqual(['b', 'c']);
    expect(failures.find((f) => f.name === 'c')?.error).toMatch(/within 100 ms/);
    expect(await runShutdownHooks(100)).toEqual([]);
  });
});

function fetchWith(agent: http.Agent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}
