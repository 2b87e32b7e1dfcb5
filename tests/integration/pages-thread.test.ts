// The pages thread stops (a crash, an out-of-memory kill): pages answer 503
// with Retry-After meanwhile, and the request thread starts it again by itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../lib/server/context.ts';
import { startPages, type Pages } from '../../lib/server/runtime/pages.ts';

describe('the pages thread', () => {
  let pages: Pages;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const ctx = { config: { port: 0 } } as unknown as AppContext;
    pages = await startPages(ctx, { dev: false, hostname: '127.0.0.1', root: process.cwd(), workerEntry: new URL('../helpers/pages-thread-stand-in.ts', import.meta.url) });
    server = http.createServer((req, res) => void pages.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await pages?.close();
  });

  async function waitForPages(): Promise<Response> {
    const deadline = Date.now() + 10_000;
    let answer = await fetch(`${base}/`);
    while (answer.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await fetch(`${base}/`);
    }
    return answer;
  }

  it('is started again each time it stops, with 503 and Retry-After in between', async () => {
    const first = await fetch(`${base}/`);
    expect(first.status).toBe(200);
    const threads = [await first.text()];

    for (let round = 0; round < 2; round++) {
      const crashed = await fetch(`${base}/exit`);
      expect(crashed.status).toBe(503);
      const meanwhile = await fetch(`${base}/account`);
      expect(meanwhile.status).toBe(503);
      expect(meanwhile.headers.get('retry-after')).toBe('2');
      expect(meanwhile.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await meanwhile.text()).toContain('briefly unavailable');

      // A new thread after about a second, on the same socket.
      const answer = await waitForPages();
      expect(answer.status).toBe(200);
      threads.push(await answer.text());
    }
    expect(new Set(threads).size).toBe(3);
  });
});
