// Races at the token endpoint, across two server instances on one database, on
// both providers: 50 concurrent redemptions of one code, and 50 concurrent
// refreshes of one refresh token. The database decides a single winner
// (lib/server/db/oauth-store.ts); the losers are replays that revoke the family
// — or, for refreshes inside the grace window, retries that get the winner's
// response, so that there is exactly one rotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { providers } from '../helpers/databases.ts';
import { countRows } from '../helpers/factories.ts';
import {
  authorizeThroughConsent,
  basicAuth,
  createUser,
  pkcePair,
  postForm,
  startProtocolServer,
  type ProtocolServer,
} from '../helpers/protocol-server.ts';

const RACERS = 50;
const RESOURCE = 'https://mcp.example/';
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';

type TokenBody = { access_token: string; refresh_token?: string; error?: string };
type Result = { status: number; body: TokenBody };

describe.each(providers)('token endpoint races across two instances on %s', (provider) => {
  /** Two instances with GATEHOUSE_REFRESH_REUSE_GRACE=0, two with the default 30 s; all on one database. */
  let noGrace: [ProtocolServer, ProtocolServer];
  let grace: [ProtocolServer, ProtocolServer];
  let user: Awaited<ReturnType<typeof createUser>>;
  let introspector: { clientId: string; secret: string };

  beforeAll(async () => {
    const first = await startProtocolServer({ provider, env: { GATEHOUSE_REFRESH_REUSE_GRACE: '0' } });
    // One public issuer, as behind a load balancer. SQLite: instances in one
    // process share the connection (see the harness); PostgreSQL: each instance
    // has its own pool, as separate processes would.
    const join = (env: Record<string, string> = {}) =>
      startProtocolServer({ url: first.databaseUrl, issuer: first.issuer, db: provider === 'sqlite' ? first.db : undefined, env });
    noGrace = [first, await join({ GATEHOUSE_REFRESH_REUSE_GRACE: '0' })];
    grace = [await join(), await join()];
    user = await createUser(first);
    const created = await createAdminClient(first.db, { name: 'Introspector', confidential: true, canIntrospect: true }, { type: 'system' });
    introspector = { clientId: created.client.clientId, secret: created.clientSecret! };
  });
  afterAll(async () => {
    // The first instance owns the database: stop it last.
    for (const s of [grace?.[1], grace?.[0], noGrace?.[1], noGrace?.[0]]) await s?.stop();
  });

  async function registerClient(server: ProtocolServer): Promise<string> {
    const response = await server.fetch('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Racer', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { client_id: string }).client_id;
  }

  async function authorize(server: ProtocolServer, clientId: string) {
    const pkce = pkcePair();
    const { code } = await authorizeThroughConsent(server, user, { clientId, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge, scope: 'mcp:tools', resource: RESOURCE });
    return { code, verifier: pkce.verifier };
  }

  /** Fires every request at once, alternating between the two instances. */
  async function race(pair: [ProtocolServer, ProtocolServer], params: Record<string, string>): Promise<Result[]> {
    return Promise.all(
      Array.from({ length: RACERS }, async (_, i) => {
        const response = await postForm(pair[i % 2], '/oauth/token', params);
        const text = await response.text();
        let body: TokenBody;
        try {
          body = JSON.parse(text) as TokenBody;
        } catch {
          throw new Error(`racer ${i} got a non-JSON ${response.status}: ${text.slice(0, 200)}`);
        }
        return { status: response.status, body };
      }),
    );
  }

  async function isActive(server: ProtocolServer, token: string): Promise<boolean> {
    const response = await postForm(server, '/oauth/introspect', { token }, { authorization: basicAuth(introspector.clientId, introspector.secret) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { active: boolean }).active;
  }

  function tally(results: Result[]) {
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    return Object.fromEntries(statuses);
  }

  async function familyRows(server: ProtocolServer, clientId: string) {
    const where = { grant: { client: { clientId } } };
    return { refresh: await countRows(server.db, 'refreshToken', where), access: await countRows(server.db, 'accessToken', where) };
  }

  it(`lets exactly one of ${RACERS} concurrent redemptions of a code win, and the replays revoke what it got`, async () => {
    const clientId = await registerClient(noGrace[0]);
    const { code, verifier } = await authorize(noGrace[0], clientId);
    const results = await race(noGrace, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: clientId, resource: RESOURCE });

    expect(tally(results)).toEqual({ 200: 1, 400: RACERS - 1 });
    expect(results.filter((r) => r.status === 400).every((r) => r.body.error === 'invalid_grant')).toBe(true);
    const winner = results.find((r) => r.status === 200)!.body;
    expect(await isActive(noGrace[0], winner.access_token)).toBe(false);
    // Introspection never calls a refresh token active; using it shows the family is revoked.
    const reuse = await postForm(noGrace[1], '/oauth/token', { grant_type: 'refresh_token', refresh_token: winner.refresh_token!, client_id: clientId });
    expect(reuse.status).toBe(400);
    // One redemption stored one set of tokens.
    expect(await familyRows(noGrace[0], clientId)).toEqual({ refresh: 1, access: 1 });
    for (const s of [...noGrace, ...grace]) expect(s.unhandledErrors).toEqual([]);
  });

  it(`lets exactly one of ${RACERS} concurrent refreshes win without a grace window; its tokens end up revoked`, async () => {
    const clientId = await registerClient(noGrace[1]);
    const { code, verifier } = await authorize(noGrace[1], clientId);
    const issued = await postForm(noGrace[1], '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: clientId });
    expect(issued.status).toBe(200);
    const { refresh_token } = (await issued.json()) as TokenBody;

    const results = await race(noGrace, { grant_type: 'refresh_token', refresh_token: refresh_token!, client_id: clientId });
    expect(tally(results)).toEqual({ 200: 1, 400: RACERS - 1 });
    expect(results.filter((r) => r.status === 400).every((r) => r.body.error === 'invalid_grant')).toBe(true);
    const winner = results.find((r) => r.status === 200)!.body;
    expect(await isActive(noGrace[0], winner.access_token)).toBe(false);
    // Introspection never calls a refresh token active; using it shows the family is revoked.
    const reuse = await postForm(noGrace[1], '/oauth/token', { grant_type: 'refresh_token', refresh_token: winner.refresh_token!, client_id: clientId });
    expect(reuse.status).toBe(400);
    // The code's tokens plus exactly one rotation.
    expect(await familyRows(noGrace[0], clientId)).toEqual({ refresh: 2, access: 2 });
    for (const s of [...noGrace, ...grace]) expect(s.unhandledErrors).toEqual([]);
  });

  it(`rotates exactly once for ${RACERS} concurrent refreshes inside the grace window; every racer gets the same tokens`, async () => {
    const clientId = await registerClient(grace[0]);
    const { code, verifier } = await authorize(grace[0], clientId);
    const issued = await postForm(grace[0], '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: clientId });
    expect(issued.status).toBe(200);
    const { refresh_token } = (await issued.json()) as TokenBody;

    const results = await race(grace, { grant_type: 'refresh_token', refresh_token: refresh_token!, client_id: clientId });
    expect(tally(results)).toEqual({ 200: RACERS });
    const successors = new Set(results.map((r) => r.body.refresh_token));
    const accessTokens = new Set(results.map((r) => r.body.access_token));
    expect(successors.size).toBe(1);
    expect(accessTokens.size).toBe(1);
    expect([...successors][0]).not.toBe(refresh_token);
    expect(await familyRows(grace[0], clientId)).toEqual({ refresh: 2, access: 2 });
    // The one rotation's tokens are live.
    expect(await isActive(grace[1], [...accessTokens][0])).toBe(true);
    const next = await postForm(grace[0], '/oauth/token', { grant_type: 'refresh_token', refresh_token: [...successors][0]!, client_id: clientId });
    expect(next.status).toBe(200);
    for (const s of [...noGrace, ...grace]) expect(s.unhandledErrors).toEqual([]);
  });
});
