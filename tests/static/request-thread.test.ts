// The request thread of a production server stays free of Next.js and of
// AsyncLocalStorage (lib/server/runtime/pages.ts): loading Next.js patches the
// thread's globals, and AsyncLocalStorage's promise hooks slow every promise of
// the thread. A module the request thread loads must not bring either back.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Loads `modules` in a fresh Node.js process and reports what that loaded. */
function loadAndReport(modules: string[]): { nextModules: number; dateIsNative: boolean } {
  const script = `
    for (const m of ${JSON.stringify(modules)}) await import(m);
    const { createRequire } = await import('node:module');
    const cache = createRequire(import.meta.url)('module')._cache;
    console.log(JSON.stringify({
      nextModules: Object.keys(cache).filter((k) => k.includes('/node_modules/next/')).length,
      dateIsNative: Date.toString().includes('[native code]'),
    }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { nextModules: number; dateIsNative: boolean };
}

describe('the request thread', () => {
  it('loads the server, the protocol routes and the store without loading Next.js', () => {
    const report = loadAndReport([
      path.join(ROOT, 'lib/server/runtime/http-server.ts'),
      path.join(ROOT, 'lib/server/http/protocol-routes.ts'),
      path.join(ROOT, 'lib/server/oauth/provider.ts'),
    ]);
    expect(report.nextModules).toBe(0);
    expect(report.dateIsNative).toBe(true);
  }, 60_000);

  it('enters no AsyncLocalStorage outside the modules that host Next.js', () => {
    const hosts = new Set(['lib/server/runtime/pages.ts', 'lib/server/runtime/pages-worker.ts', 'lib/server/observability/request-context.ts']);
    const offenders = ['lib/server/runtime', 'lib/server/http', 'lib/server/observability', 'lib/server/oauth', 'lib/server/db', 'lib/oauth']
      .flatMap((dir) => readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !hosts.has(file))
      .filter((file) => /runWithRequestContext|AsyncLocalStorage|enterWith\(/.test(readFileSync(path.join(ROOT, file), 'utf8').replace(/^\s*\/\/.*$/gm, '')));
    expect(offenders).toEqual([]);
  });

  it('the check itself notices Next.js when it is loaded', () => {
    expect(loadAndReport(['next']).nextModules).toBeGreaterThan(0);
  }, 60_000);
});
