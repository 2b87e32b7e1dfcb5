// Seeds Gatehouse's SQLite file through its own persistence module (the
// OAuthStore and the lib/server/db functions), in a process of its own, before
// the server starts: a user, a confidential client, a grant, PKCE codes,
// refresh tokens and a personal token. Prints the credentials as one JSON line.
//
// Run with the server's environment (DATABASE_URL, GATEHOUSE_SECRET, …) and
// BENCH_COUNTS='{"codes":…,"refresh":…,"revoke":…}'.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hashToken } from '../../lib/crypto.ts';
import { REFRESH_TOKEN_PREFIX } from '../../lib/oauth/grants/token-response.ts';
import { createClient } from '../../lib/server/clients/create-client.ts';
import { insertUser } from '../../lib/server/db/users.ts';
import { getOAuthContext } from '../../lib/server/oauth/provider.ts';
import { bootstrap } from '../../lib/server/runtime/bootstrap.ts';
import { useCliLogging } from '../../lib/server/runtime/logger.ts';
import { createPersonalToken } from '../../lib/server/tokens/create-personal-token.ts';
import type { PkceCode, SeedCounts, Seeds } from './types.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCOPE = ['mcp:tools', 'offline_access'];
const HOUR = 3600_000;

/** Inserts run a few at a time: the store is async, SQLite serialises the writes anyway. */
async function inBatches(count: number, insert: (i: number) => Promise<void>, batch = 64): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - start) }, (_, k) => insert(start + k)));
  }
}

async function main(): Promise<void> {
  useCliLogging();
  const counts = JSON.parse(process.env.BENCH_COUNTS ?? '{}') as SeedCounts;
  const app = await bootstrap();
  const { db } = app;
  const store = getOAuthContext(app).store;
  const now = new Date();

  const user = await insertUser(db, { email: `bench-${randomUUID()}@example.com`, username: `bench-${randomUUID().slice(0, 8)}`, isAdmin: false, createdVia: 'admin' });
  const { client, clientSecret } = await createClient(
    db,
    { name: 'bench', redirectUris: [REDIRECT_URI], confidential: true, grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scope: SCOPE.join(' '), canIntrospect: true },
    { type: 'system', label: 'bench' },
  );
  const grant = await store.saveGrant({ userId: user.id, clientId: client.id, scope: SCOPE, resource: null, workspaceKeys: [] }, now);

  const codes: PkceCode[] = [];
  await inBatches(counts.codes, async () => {
    const code = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    codes.push({ code, verifier });
    await store.insertAuthorizationCode({
      id: randomUUID(),
      codeHash: hashToken(code),
      grantId: grant.id,
      redirectUri: REDIRECT_URI,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      scope: SCOPE,
      resource: null,
      expiresAt: new Date(now.getTime() + HOUR),
    });
  });

  // Each refresh token is its own family, as each would come from its own code:
  // revoking one must not revoke the others.
  const refreshTokens = async (count: number) => {
    const values: string[] = [];
    await inBatches(count, async () => {
      const value = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      values.push(value);
      await store.insertRefreshToken({ id: randomUUID(), tokenHash: hashToken(value), grantId: grant.id, familyId: randomUUID(), parentId: null, scope: SCOPE, resource: null, expiresAt: new Date(now.getTime() + HOUR) });
    });
    return values;
  };
  const refresh = await refreshTokens(counts.refresh);
  const revoke = await refreshTokens(counts.revoke);

  const personal = await createPersonalToken(db, { id: user.id, email: user.email }, [], { name: 'bench', workspaces: [], tools: '*', expiresInDays: 30 });
  if (!personal.ok) throw new Error(`personal token: ${JSON.stringify(personal.fieldErrors)}`);

  const seeds: Seeds = {
    client: { id: client.clientId, secret: clientSecret! },
    redirectUri: REDIRECT_URI,
    resource: null,
    codes,
    refresh,
    revoke,
    personalToken: personal.token,
  };
  await db.close();
  process.stdout.write(`${JSON.stringify(seeds)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`seeding Gatehouse failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
