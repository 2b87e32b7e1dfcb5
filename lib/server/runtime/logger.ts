// Minimal structured logging: one JSON object per line on stdout.
type Level = 'debug' | 'info' | 'warn' | 'error';

let everythingToStderr = false;

/** CLI commands keep stdout for their own output (e.g. `--json`): logs of every level go to stderr. */
export function logToStderr(): void {
  everythingToStderr = true;
}

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (everythingToStderr || level === 'error' || level === 'warn') process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}
