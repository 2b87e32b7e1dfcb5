// Every server action under app/admin re-checks the admin before anything else
// (Next.js data-security guide): the layout's check only spares a
// render, and an action can be called directly with its id by anyone signed in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ADMIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../app/admin');

function actionFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return actionFiles(full);
    return name === 'actions.ts' ? [full] : [];
  });
}

/**
 * Each exported async function and the first statement of its body: the first
 * line after the "{" that ends its signature line (signatures here fit a line).
 */
function exportedActions(source: string): { name: string; firstStatement: string }[] {
  const found: { name: string; firstStatement: string }[] = [];
  const pattern = /^export async function (\w+)\(.*\{$/gm;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    const body = source.slice(match.index + match[0].length);
    found.push({ name: match[1], firstStatement: body.trim().split('\n')[0] });
  }
  return found;
}

function exportedFunctionCount(source: string): number {
  return (source.match(/^export async function /gm) ?? []).length;
}

describe('admin server actions', () => {
  const files = actionFiles(ADMIN);

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const relative = path.relative(ADMIN, file);
    it(`${relative} is a server-action module`, () => {
      expect(source.trimStart().startsWith("'use server'")).toBe(true);
    });
    it(`${relative}: every exported action's signature is on one line (so it can be checked)`, () => {
      expect(exportedActions(source)).toHaveLength(exportedFunctionCount(source));
    });
    for (const action of exportedActions(source)) {
      it(`${relative}: ${action.name} checks the admin first`, () => {
        expect(action.firstStatement).toMatch(/await requireAdmin\(\)/);
      });
    }
  }
});
