// POST /sign-out on both providers (docs/deploy.md, sign-out): the app session
// is cleared and the browser sent down the configured chain even when the
// audit log cannot be written. The audit table is made to refuse inserts for
// real, with a database trigger, on a throwaway database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfTokenFor } from '../../lib/server/auth/csrf.ts';
import { sessionCookieName } from '../../lib/server/auth/session-token.ts';
import { recordAudit } from '../../lib/server/db/audit.ts';
import type { User } from '../../lib/server/db/users.ts';
import { providers, type Provider } from '../helpers/databases.ts';
import { createUser, postForm, signInCookie, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const PROXY_SIGN_OUT = 'https://gate.example.com/oauth2/sign_out';
const IDP_LOGOUT = 'https://login.example.com/logout';

const refuseAuditInserts: Record<Provider, string[]> = {
  sqlite: [`CREATE TRIGGER "refuse_audit" BEFORE INSERT ON "AuditEvent" BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`],
  postgresql: [
    `CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER "refuse_audit" BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
  ],
};

describe.each(providers)('sign-out on %s', (provider) => {
  let server: ProtocolServer;

  beforeAll(async () => {
    server = await startProtocolServer({
      provider,
      env: { GATEHOUSE_OAUTH2_PROXY_SIGNOUT_URL: PROXY_SIGN_OUT, GATEHOUSE_OIDC_LOGOUT_URL: IDP_LOGOUT, GATEHOUSE_OIDC_CLIENT_ID: 'cognito-client' },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The sign-out form posted by a browser signed in as `user`, with the page's CSRF token. */
  async function signOut(user: User): Promise<Response> {
    const cookie = await signInCookie(server.app, user);
    const session = cookie.slice(cookie.indexOf('=') + 1);
    return postForm(server, '/sign-out', { csrf: csrfTokenFor(server.app.secret, session) }, { cookie, origin: server.issuer });
  }

  function expectSessionClearedAndChainFollowed(response: Response): void {
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(PROXY_SIGN_OUT);
    expect(new URL(location.searchParams.get('rd')!).origin).toBe(new URL(IDP_LOGOUT).origin);
    const name = sessionCookieName(server.issuer);
    expect(response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))).toMatch(new RegExp(`^${name}=;.*Max-Age=0`));
  }

  const signedOutEvents = async (user: User) =>
    server.db.prisma.auditEvent.count({ where: { action: 'user.signed_out', actorId: user.id } });

  it('clears the session, follows the chain and audits the sign-out', async () => {
    const user = await createUser(server);
    expectSessionClearedAndChainFollowed(await signOut(user));
    expect(await signedOutEvents(user)).toBe(1);
  });

  it('still clears the session and follows the chain when the audit table refuses every insert', async () => {
    for (const statement of refuseAuditInserts[provider]) await server.db.prisma.$executeRawUnsafe(statement);
    // The audit log really is unwritable now.
    await expect(recordAudit(server.db, { actor: { type: 'system' }, action: 'probe' })).rejects.toThrow();
    expect(await server.db.prisma.auditEvent.count({ where: { action: 'probe' } })).toBe(0);

    const user = await createUser(server);
    expectSessionClearedAndChainFollowed(await signOut(user));
    expect(await signedOutEvents(user)).toBe(0);
    expect(server.unhandledErrors).toEqual([]);
  });
});
