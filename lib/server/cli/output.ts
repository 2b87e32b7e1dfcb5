// CLI output: plain lines for people, JSON when asked, errors on stderr.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function fail(message: string): void {
  process.stderr.write(`gatehouse: ${message}\n`);
}

/** Left-aligned columns, sized to their content. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
