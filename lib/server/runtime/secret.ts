// GATEHOUSE_SECRET: from the environment, or generated once into the data folder.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type ResolvedSecret = { secret: string; source: 'environment' | 'file' | 'generated'; file?: string };

export function resolveSecret(configured: string | null, dataDir: string): ResolvedSecret {
  if (configured) return { secret: configured, source: 'environment' };
  const file = path.join(dataDir, 'secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < 32) throw new Error(`${file}: the stored secret is too short; remove the file or set GATEHOUSE_SECRET`);
    return { secret, source: 'file', file };
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // `wx` fails if another process created it first; then use theirs.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (existsSync(file)) return resolveSecret(null, dataDir);
    throw new Error(`cannot write ${file}: ${(error as Error).message}`);
  }
  return { secret, source: 'generated', file };
}
