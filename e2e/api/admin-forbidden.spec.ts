// Admin is enforced where the work happens: every /admin page and
// every admin server action, called directly with the action id the build
// assigned it, answers 403 to a signed-in user who is not an admin — whatever
// the arguments, and before touching them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { E2E_ADMIN_EMAIL, E2E_BASE_URL, edgeHeaders } from '../fixtures/server-env';

type ActionEntry = { workers: Record<string, unknown>; filename: string; exportedName: string };

/** Every server action the production build holds for an admin page. */
function adminActions(): { id: string; page: string; name: string }[] {
  const manifest = JSON.parse(readFileSync('.next/server/server-reference-manifest.json', 'utf8')) as { node: Record<string, ActionEntry> };
  return Object.entries(manifest.node)
    .filter(([, entry]) => entry.filename.startsWith('app/admin/'))
    .map(([id, entry]) => {
      // A worker such as "app/admin/keys/page" serves the page at /admin/keys.
      const worker = Object.keys(entry.workers).find((w) => w.startsWith('app/admin')) ?? 'app/admin/page';
      const page = `/${worker.replace(/^app\//, '').replace(/\/page$/, '')}`.replace(/\[[^\]]+\]/g, 'x');
      return { id, page, name: `${entry.filename}#${entry.exportedName}` };
    });
}

/** Every admin page route in the source tree, dynamic segments filled with a placeholder. */
function adminPages(dir = 'app/admin'): string[] {
  const pages: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) pages.push(...adminPages(full));
    else if (entry === 'page.tsx') pages.push(`/${dir.replace(/^app\//, '')}`.replace(/\[[^\]]+\]/g, 'x'));
  }
  return pages.sort();
}

test('every admin page answers 403 to a non-admin and 200 or 404 to an admin', async () => {
  const pages = adminPages();
  expect(pages.length).toBeGreaterThanOrEqual(14);
  const nosy = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: edgeHeaders(`nosy.${Date.now()}@example.com`) });
  const admin = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: edgeHeaders(E2E_ADMIN_EMAIL) });
  for (const page of pages) {
    expect((await nosy.get(page, { maxRedirects: 0 })).status(), page).toBe(403);
    expect([200, 404], page).toContain((await admin.get(page, { maxRedirects: 0 })).status());
  }
  await nosy.dispose();
  await admin.dispose();
});

test('every admin server action answers 403 to a non-admin calling it directly', async () => {
  const actions = adminActions();
  expect(actions.length).toBeGreaterThanOrEqual(30);
  const nosy = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: edgeHeaders(`caller.${Date.now()}@example.com`) });
  // Plausible arguments: a previous form state and a form, as the forms send them.
  const payloads = ['[]', '[null,{}]', '["$undefined",{"id":"x","name":"x"}]'];
  for (const action of actions) {
    for (const body of payloads) {
      const res = await nosy.post(action.page, {
        headers: { 'Next-Action': action.id, 'Content-Type': 'text/plain;charset=UTF-8', Origin: E2E_BASE_URL, Accept: 'text/x-component' },
        data: body,
        maxRedirects: 0,
      });
      expect(res.status(), `${action.name} with ${body}`).toBe(403);
    }
  }
  await nosy.dispose();
});
