// After the whole run: no secret the suite was issued may appear in the
// server's log (its stdout and stderr, captured to e2e/.output/server-<port>.log).
// A leak fails the run, naming the kind of secret and the log lines — never
// the secret itself.
import fs from 'node:fs';
import { E2E_SERVER_LOG, E2E_SERVER_LOG_RELATIVE, readIssuedSecrets } from './fixtures/issued-secrets';

/** Also catches a partly printed secret (e.g. truncated): 16 random characters are as unique as the whole. */
const TAIL = 16;

export default async function globalTeardown(): Promise<void> {
  const secrets = readIssuedSecrets();
  if (!fs.existsSync(E2E_SERVER_LOG)) {
    throw new Error(`secret leak check: the server log ${E2E_SERVER_LOG_RELATIVE} is missing (the webServer command writes it)`);
  }
  const lines = fs.readFileSync(E2E_SERVER_LOG, 'utf8').split('\n');
  const leaks = new Map<string, Set<number>>();
  const unique = [...new Map(secrets.map((s) => [s.value, s])).values()];
  for (const { kind, value } of unique) {
    const needles = [value];
    if (value.length >= TAIL * 2) needles.push(value.slice(-TAIL));
    // A prefixed token's head is random right after its prefix (a JWT's header is not: it is shared).
    if (value.startsWith('gh_') && value.length >= 40) needles.push(value.slice(0, 24));
    lines.forEach((line, index) => {
      if (needles.some((needle) => line.includes(needle))) {
        if (!leaks.has(kind)) leaks.set(kind, new Set());
        leaks.get(kind)!.add(index + 1);
      }
    });
  }
  if (leaks.size) {
    const report = [...leaks].map(([kind, at]) => `  ${kind}: log line(s) ${[...at].slice(0, 10).join(', ')}${at.size > 10 ? ', …' : ''}`).join('\n');
    throw new Error(`secret leak check: issued secrets appear in ${E2E_SERVER_LOG_RELATIVE}:\n${report}`);
  }
  process.stdout.write(`secret leak check: none of ${unique.length} issued secrets appear in ${lines.length} server log lines\n`);
}
