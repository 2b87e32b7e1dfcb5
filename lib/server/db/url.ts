// How a DATABASE_URL names its database. Shared by the migrator (which runs
// before any Prisma client exists) and the connection module, so both always
// open the same SQLite file.
import path from 'node:path';

export type DbProvider = 'sqlite' | 'postgresql';

export function providerOf(url: string): DbProvider {
  return url.startsWith('file:') ? 'sqlite' : 'postgresql';
}

/** The SQLite file path of a `file:` URL, resolved against the working directory. */
export function sqliteFileOf(url: string): string {
  return path.resolve(url.slice('file:'.length).split('?')[0]);
}
