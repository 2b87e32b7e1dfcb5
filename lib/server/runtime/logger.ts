// Structured logging: one JSON object per line for the server. CLI commands
// log plain lines to stderr, keeping stdout for their own output (e.g. --json).
type Level = 'debug' | 'info' | 'warn' | 'error';

let cli = false;

export function useCliLogging(): void {
  cli = true;
}

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (cli) {
    process.stderr.write(`${level === 'info' ? '' : `${level}: `}${msg}\n`);
    return;
  }
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === 'error' || level === 'warn') process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}
