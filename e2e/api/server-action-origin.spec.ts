// A server action answers only Gatehouse's own pages: the call an admin's page
// makes, with the admin's valid session, is refused when it comes from another
// origin (a cross-site fetch or form riding on the session) and changes
// nothing; from Gatehouse's own origin the same call does the work.
import { expect, test } from '@playwright/test';
import { queryE2eDatabase } from '../fixtures/database';
import { anonymousApi, registerClient, signedInApi, tokensFor } from '../fixtures/oauth';
import { callServerAction, serverActionsOf } from '../fixtures/server-actions';
import { E2E_ADMIN_EMAIL, E2E_PORT } from '../fixtures/server-env';

test("an admin's server action posted from another origin is refused and changes nothing", async () => {
  const client = await registerClient(await anonymousApi());
  await tokensFor(client.client_id);
  const grants = () =>
    queryE2eDatabase<{ id: string; revokedAt: number | null }>('SELECT g."id", g."revokedAt" FROM "Grant" g JOIN "Client" c ON c."id" = g."clientId" WHERE c."clientId" = ?', client.client_id);
  const [{ id }] = grants();
  const revocations = () => queryE2eDatabase<{ n: number }>(`SELECT COUNT(*) AS n FROM "AuditEvent" WHERE "action" = 'grant.revoked' AND "targetId" = ?`, id)[0].n;

  const admin = await signedInApi(E2E_ADMIN_EMAIL);
  const revoke = serverActionsOf('app/admin/tokens/actions.ts').get('revokeTokenAction');
  expect(revoke).toBeTruthy();
  // Another site, another loopback origin of the same machine, and an opaque origin.
  for (const origin of ['https://evil.example', `http://127.0.0.1:${E2E_PORT}`, 'null']) {
    const res = await callServerAction(admin, '/admin/tokens', revoke!, [{ type: 'grant', id }], origin);
    expect(res.status(), origin).toBe(403);
    expect(await res.text(), origin).toContain('Request refused');
  }
  expect(grants()).toEqual([{ id, revokedAt: null }]);
  expect(revocations()).toBe(0);

  // The same call from Gatehouse's own origin is accepted: the refusal above is about the origin alone.
  const same = await callServerAction(admin, '/admin/tokens', revoke!, [{ type: 'grant', id }]);
  expect(same.status()).toBe(200);
  expect(await same.text()).toContain('Revoked.');
  expect(grants()[0].revokedAt).not.toBeNull();
  expect(revocations()).toBe(1);
  await admin.dispose();
});
