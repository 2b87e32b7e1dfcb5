// A personal token stops working when its expiry passes (RFC 7662 §2.2:
// `active: false`), on both providers. Introspection is the one place Gatehouse
// accepts a personal token (resource servers, packages/verify and the demo MCP
// server ask it there); the expired rows are written straight into the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, randomToken } from '../../lib/crypto.ts';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import type { User } from '../../lib/server/db/users.ts';
import { PERSONAL_TOKEN_PREFIX } from '../../lib/oauth/introspection.ts';
import { providers } from '../helpers/databases.ts';
import { createPersonalToken, lastUsedAt } from '../helpers/factories.ts';
import { basicAuth, createUser, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(providers)('personal token expiry on %s', (provider) => {
  let server: ProtocolServer;
  let rs: { clientId: string; secret: string };
  let user: User;

  beforeAll(async () => {
    server = await startProtocolServer({ provider });
    const created = await createAdminClient(server.db, { name: 'Resource server', confidential: true, canIntrospect: true }, { type: 'system' });
    rs = { clientId: created.client.clientId, secret: created.clientSecret! };
    user = await createUser(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A personal token stored with `expiresAt`; returns the token and its row id. */
  async function personalToken(expiresAt: Date | null): Promise<{ token: string; id: string }> {
    const token = randomToken(PERSONAL_TOKEN_PREFIX);
    const { id } = await createPersonalToken(server.db, user.id, { tokenHash: hashToken(token), tools: ['*'], expiresAt });
    return { token, id };
  }

  const introspect = async (token: string) => {
    const response = await postForm(server, '/oauth/introspect', { token }, { authorization: basicAuth(rs.clientId, rs.secret) });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it('answers active: false for a token whose expiry has passed, and does not mark it used', async () => {
    const expired = await personalToken(new Date(Date.now() - 60_000));
    expect(await introspect(expired.token)).toEqual({ active: false });
    expect(await lastUsedAt(server.db, 'personalToken', expired.id)).toBeNull();
  });

  it('answers active for the same kind of token before its expiry, and without one', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const live = await personalToken(expiresAt);
    expect(await introspect(live.token)).toMatchObject({ active: true, sub: user.id, token_kind: 'personal_token', exp: Math.floor(expiresAt.getTime() / 1000) });
    expect(await introspect((await personalToken(null)).token)).toMatchObject({ active: true, token_kind: 'personal_token' });
  });

  it('stops answering active once the expiry passes (checked at each use, not when issued)', async () => {
    const soon = await personalToken(new Date(Date.now() + 2_000));
    expect(await introspect(soon.token)).toMatchObject({ active: true });
    await sleep(2_100);
    expect(await introspect(soon.token)).toEqual({ active: false });
  });
});
