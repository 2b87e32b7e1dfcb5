// URL checks go through lib/parse-url.ts, never URL.canParse: on Node.js 20
// the optimised URL.canParse answers false for valid URLs with a non-ASCII
// host once its call site is hot, so a redirect URI, a resource or a request
// path like that was accepted at first and refused later.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isUrl, parseUrl } from '../../lib/parse-url.ts';
import { redirectUriProblem } from '../../lib/oauth/redirect-uri.ts';
import { routedPathname } from '../../lib/server/observability/route-label.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOT = 20_000;

describe('URL parsing', () => {
  it('keeps its answer for non-ASCII hosts on a hot call site', () => {
    const answers = new Set<string>();
    for (let i = 0; i < HOT; i++) {
      answers.add(`${isUrl('https://é.example/x')} ${parseUrl('//é', 'http://localhost')?.pathname} ${routedPathname('//é', '')} ${redirectUriProblem('https://café.example/cb')}`);
    }
    expect([...answers]).toEqual(['true / / null']);
  });

  it('is never asked of URL.canParse in the application or the verification library', () => {
    const grep = spawnSync('git', ['grep', '-n', '-e', 'URL\\.canParse(', '--', 'lib', 'app', 'components', 'packages', 'examples'], { cwd: ROOT, encoding: 'utf8' });
    expect(grep.status, grep.stderr).toBe(1); // git grep: 1 = nothing found
    expect(grep.stdout).toBe('');
  }, 10_000);
});
