// A rotated refresh token's retry record (its successor's token response,
// sealed) holds live tokens: it is not written without a grace window, and
// once the window is over the sweep drops it — on both providers, through the
// real token endpoint — so that a retry after the window is reuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../lib/crypto.ts';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { getOAuthContext } from '../../lib/server/oauth/provider.ts';
import { startRefreshRetrySweep } from '../../lib/server/runtime/refresh-retry-sweep.ts';
import { providers } from '../helpers/databases.ts';
import { consentAndRedeem, createUser, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
type Tokens = { access_token: string; refresh_token: string };

describe.each(providers)('refresh retry records on %s', (provider) => {
  let server: ProtocolServer;
  let noGrace: ProtocolServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startProtocolServer({ provider, env: { GATEHOUSE_REFRESH_REUSE_GRACE: '1' } });
    noGrace = await startProtocolServer({ url: server.databaseUrl, issuer: server.issuer, db: server.db, env: { GATEHOUSE_REFRESH_REUSE_GRACE: '0' } });
    const made = await createAdminClient(server.db, { name: 'Retry client', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scope: 'mcp:tools offline_access' }, { type: 'system' });
    clientId = made.client.clientId;
  });
  afterAll(async () => {
    await noGrace?.stop();
    await server?.stop();
  });

  const issue = async (target: ProtocolServer) =>
    consentAndRedeem<Tokens>(target, await createUser(target), { clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools offline_access', state: 's' });
  const refresh = (target: ProtocolServer, token: string) => postForm(target, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token, client_id: clientId });
  const retryRecord = async (token: string) => (await server.db.prisma.refreshToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } })).retryCipher;

  it('without a grace window a rotated token keeps no retry record', async () => {
    const tokens = await issue(noGrace);
    expect((await refresh(noGrace, tokens.refresh_token)).status).toBe(200);
    expect(await retryRecord(tokens.refresh_token)).toBeNull();
  });

  it('the sweep drops the record once the window is over, and a retry then is reuse', async () => {
    const tokens = await issue(server);
    const first = await refresh(server, tokens.refresh_token);
    expect(first.status).toBe(200);
    const successor = (await first.json()) as Tokens;
    expect(await retryRecord(tokens.refresh_token)).not.toBeNull();

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const sweep = startRefreshRetrySweep(getOAuthContext(server.app), { firstRunDelayMs: 60_000 });
    try {
      expect(await sweep.runNow()).toBeGreaterThanOrEqual(1);
    } finally {
      sweep.stop();
    }
    expect(await retryRecord(tokens.refresh_token)).toBeNull();

    const retry = await refresh(server, tokens.refresh_token);
    expect(retry.status).toBe(400);
    expect(await retry.json()).toMatchObject({ error: 'invalid_grant' });
    // Reuse revoked the family: the successor is gone too.
    expect((await refresh(server, successor.refresh_token)).status).toBe(400);
  });
});
