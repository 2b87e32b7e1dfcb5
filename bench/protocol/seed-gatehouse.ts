// Seeds Gatehouse's SQLite file through its own persistence module, in a
// process of its own, before the server starts: a user, a confidential client,
// a grant and a personal token through the lib/server/db functions and the
// OAuthStore; the thousands of PKCE codes and refresh tokens as the store's own
// rows, but in batches (createMany on its connection): one store insert at a
// time costs about a millisecond, which would add minutes to the run.
// Prints the credentials as one JSON line.
//
// Run with the server's environment (DATABASE_URL, GATEHOUSE_SECRET, …) and
// BENCH_COUNTS='{"codes":…,"refresh":…,"revoke":…,"dpopRefresh":…}'.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { hashToken } from '../../lib/crypto.ts';
import { REFRESH_TOKEN_PREFIX } from '../../lib/oauth/grants/token-response.ts';
import { createClient } from '../../lib/server/clients/create-client.ts';
import { joinScope } from '../../lib/server/db/columns.ts';
import { insertUser } from '../../lib/server/db/users.ts';
import { getOAuthContext } from '../../lib/server/oauth/provider.ts';
import { bootstrap } from '../../lib/server/runtime/bootstrap.ts';
import { useCliLogging } from '../../lib/server/runtime/logger.ts';
import { createPersonalToken } from '../../lib/server/tokens/create-personal-token.ts';
import type { PkceCode, SeedCounts, Seeds } from './types.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCOPE = ['mcp:tools', 'offline_access'];
const HOUR = 3600_000;

const BATCH = 500;

async function inBatches<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += BATCH) await insert(rows.slice(start, start + BATCH));
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

  // The rows as the OAuthStore writes them (insertAuthorizationCode, insertRefreshToken).
  const expiresAt = new Date(now.getTime() + HOUR);
  const scope = joinScope(SCOPE);
  const codes: PkceCode[] = Array.from({ length: counts.codes }, () => ({ code: randomBytes(32).toString('base64url'), verifier: randomBytes(32).toString('base64url') }));
  await inBatches(codes, (batch) =>
    db.prisma.authorizationCode.createMany({
      data: batch.map(({ code, verifier }) => ({
        id: randomUUID(),
        codeHash: hashToken(code),
        grantId: grant.id,
        redirectUri: REDIRECT_URI,
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
        scope,
        resource: null,
        expiresAt,
      })),
    }),
  );

  // Each refresh token is its own family, as each would come from its own code:
  // revoking one must not revoke the others.
  const refreshTokens = async (count: number, grantId = grant.id, jkt: string | null = null) => {
    const values = Array.from({ length: count }, () => REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url'));
    await inBatches(values, (batch) =>
      db.prisma.refreshToken.createMany({
        data: batch.map((value) => ({ id: randomUUID(), tokenHash: hashToken(value), grantId, familyId: randomUUID(), parentId: null, scope, resource: null, expiresAt, jkt })),
      }),
    );
    return values;
  };
  const refresh = await refreshTokens(counts.refresh);
  const revoke = await refreshTokens(counts.revoke);

  // A public client's refresh tokens bound to one DPoP key (RFC 9449 §5), as a code exchange with a proof leaves them.
  const dpopClient = (
    await createClient(db, { name: 'bench dpop', redirectUris: [REDIRECT_URI], confidential: false, scope: SCOPE.join(' ') }, { type: 'system', label: 'bench' })
  ).client;
  const dpopGrant = await store.saveGrant({ userId: user.id, clientId: dpopClient.id, scope: SCOPE, resource: null, workspaceKeys: [] }, now);
  const dpopKey = await generateKeyPair('ES256', { extractable: true });
  const dpopJwk = await exportJWK(dpopKey.privateKey);
  const dpopTokens = await refreshTokens(counts.dpopRefresh ?? 0, dpopGrant.id, await calculateJwkThumbprint(await exportJWK(dpopKey.publicKey)));

  const personal = await createPersonalToken(db, { id: user.id, email: user.email }, [], { name: 'bench', workspaces: [], tools: '*', expiresInDays: 30 });
  if (!personal.ok) throw new Error(`personal token: ${JSON.stringify(personal.fieldErrors)}`);

  const seeds: Seeds = {
    client: { id: client.clientId, secret: clientSecret! },
    redirectUri: REDIRECT_URI,
    resource: null,
    codes,
    refresh,
    revoke,
    dpopRefresh: { clientId: dpopClient.clientId, key: dpopJwk, tokens: dpopTokens },
    personalToken: personal.token,
  };
  await db.close();
  process.stdout.write(`${JSON.stringify(seeds)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`seeding Gatehouse failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
