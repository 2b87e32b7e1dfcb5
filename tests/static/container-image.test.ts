// The container image (Dockerfile, docs/deploy.md) builds on a Node.js line
// that still gets security fixes, and package.json's `engines` stays true both
// for the image and for the Node.js 20 the test suite runs on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** Node.js 24 is the Active LTS line; 20 left maintenance on 2026-04-30. */
const IMAGE_MAJOR = 24;

const version = (v: string) => v.replace(/^v/, '').split('.').map(Number);
function atLeast(actual: number[], floor: number[]): boolean {
  for (let i = 0; i < 3; i++) if ((actual[i] ?? 0) !== (floor[i] ?? 0)) return (actual[i] ?? 0) > (floor[i] ?? 0);
  return true;
}

describe('the container image', () => {
  it('builds and runs on the current LTS line, Node.js 24', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile);
    expect(image?.[1]).toBe(String(IMAGE_MAJOR));
    // Both stages use it.
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS /gm)).toHaveLength(2);
  });

  it("keeps engines honest: a lower bound that the suite's Node.js and the image's both meet", () => {
    const floor = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node);
    expect(floor, `engines.node is "${pkg.engines.node}"`).not.toBeNull();
    expect(atLeast(version(process.version), version(floor![1]))).toBe(true);
    expect(atLeast([IMAGE_MAJOR, 0, 0], version(floor![1]))).toBe(true);
  });

  it('runs as the unprivileged node user and ships the public/ folder Next.js serves the icons from', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^USER root$/m);
    expect(runtime).toMatch(/^COPY --from=builder \/app\/public \.\/public$/m);
  });
});
