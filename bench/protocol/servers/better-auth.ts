// better-auth with @better-auth/oauth-provider on a SQLite file. The server
// itself lives in bench/compare/better-auth-server.ts, next to the separate
// package that installs better-auth (it needs legacy peer dependencies, which
// the project's own lock file must not); this adapter forks and seeds it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkServer, nextMessage, stopProcess } from '../processes.ts';
import type { RunningServer, StartOptions } from '../types.ts';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../compare/better-auth-server.ts');

export async function startBetterAuth(opts: StartOptions): Promise<RunningServer> {
  const child = forkServer(SERVER, ['serve', String(opts.port), path.join(opts.dataDir, 'better-auth.db')], { NODE_ENV: 'production' }, path.join(opts.dataDir, 'better-auth.log'));
  await nextMessage(child, 'ready', 60_000, 'better-auth');
  child.send({ type: 'seed', counts: opts.counts });
  const { seeds } = await nextMessage(child, 'seeded', 180_000, 'better-auth seeding');
  return {
    name: 'better-auth',
    url: `http://127.0.0.1:${opts.port}`,
    paths: { metadata: '/.well-known/oauth-authorization-server', token: '/api/auth/oauth2/token', introspect: '/api/auth/oauth2/introspect', revoke: '/api/auth/oauth2/revoke', jwks: '/api/auth/jwks' },
    seeds,
    pid: child.pid,
    stop: () => stopProcess(child),
  };
}
