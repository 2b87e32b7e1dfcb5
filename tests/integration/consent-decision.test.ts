// POST /oauth/authorize/decision, on both providers: the consent page's sealed
// ticket is bound to the user it was shown to (lib/server/oauth/consent-ticket.ts),
// so another signed-in user who submits it is refused whatever they answer —
// no redirect to the client, no code, no grant for either of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../lib/server/db/users.ts';
import { createConsentTicket } from '../../lib/server/oauth/consent-ticket.ts';
import { providers } from '../helpers/databases.ts';
import { countRows, createClient } from '../helpers/factories.ts';
import { CONSENT_PAGE_HEADER, createUser, pkcePair, postForm, signInCookie, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';

describe.each(providers)('a consent answer on %s', (provider) => {
  let server: ProtocolServer;
  let alice: User;
  let bob: User;
  let clientRowId: string;
  let search: URLSearchParams;

  beforeAll(async () => {
    server = await startProtocolServer({ provider });
    alice = await createUser(server);
    bob = await createUser(server);
    const client = await createClient(server.db, { redirectUris: [REDIRECT_URI], scope: 'mcp:tools' });
    clientRowId = client.id;
    search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      scope: 'mcp:tools',
      state: 'alice-state',
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The ticket the consent page renders for `user`, after checking the page is really shown to them. */
  async function ticketShownTo(user: User): Promise<string> {
    const page = await server.fetch(`/oauth/authorize?${search}`, { headers: { cookie: await signInCookie(server.app, user) } });
    expect(page.status).toBe(200);
    expect(page.headers.get(CONSENT_PAGE_HEADER)).toBe('consent-page');
    await page.arrayBuffer();
    return createConsentTicket(server.app.secret, user.id, search);
  }

  const answer = async (as: User, ticket: string, decision: 'allow' | 'deny') =>
    postForm(server, '/oauth/authorize/decision', { ticket, decision }, { cookie: await signInCookie(server.app, as), origin: server.issuer });

  const issued = async () => ({
    grants: await countRows(server.db, 'grant', { clientId: clientRowId }),
    codes: await countRows(server.db, 'authorizationCode', { grant: { clientId: clientRowId } }),
  });

  it("refuses Alice's ticket submitted by Bob, for Allow and for Deny, and issues nothing to either", async () => {
    const alicesTicket = await ticketShownTo(alice);
    for (const decision of ['allow', 'deny'] as const) {
      const response = await answer(bob, alicesTicket, decision);
      expect(response.status, decision).toBe(400);
      expect(response.headers.get('location'), decision).toBeNull();
      expect(await response.text()).toContain('This consent page has expired');
    }
    expect(await issued()).toEqual({ grants: 0, codes: 0 });
    expect(await countRows(server.db, 'grant', { userId: alice.id })).toBe(0);
    expect(await countRows(server.db, 'grant', { userId: bob.id })).toBe(0);
  });

  it('accepts the same ticket from Alice herself (the refusal above is about the user, not the request)', async () => {
    const response = await answer(alice, await ticketShownTo(alice), 'allow');
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('alice-state');
    expect(await countRows(server.db, 'grant', { userId: alice.id, clientId: clientRowId })).toBe(1);
    expect(await countRows(server.db, 'grant', { userId: bob.id })).toBe(0);
  });
});
