// The OAuth store's hot paths on SQLite as prepared statements on Prisma's own
// connection: token, introspection and revocation requests run a handful of
// indexed lookups each, and Prisma's per-query overhead would be most of their
// cost. Same tables, same column formats, same semantics as the Prisma store
// in oauth-store.ts (the integration tests run both against one suite).
//
// Atomicity: better-sqlite3 is synchronous, so a consume-and-store written as
// one `transaction()` runs without any other statement in between, in this
// process; across processes SQLite's write lock serialises it. Statements wait
// until no Prisma interactive transaction is open on the shared connection, and
// then run in the same tick as that check, so they never land inside one.
//
// Group commit: the writes that requests reach in the same event-loop turn
// commit as one transaction, each in its own savepoint (one failing rolls back
// only itself), and every caller hears back only after the COMMIT. Most of a
// write's cost is writing its B-tree pages to the WAL at commit; requests
// committed together share those pages.
import type BetterSqlite3 from 'better-sqlite3';
import type { IssuedTokens, OAuthClient, OAuthStore, ScopeDefinition, SecurityEvent } from '../../oauth/ports.ts';
import { toClient } from './clients.ts';
import { parseList, splitScope } from './columns.ts';
import type { Db } from './client.ts';
import {
  accessColumns,
  refreshColumns,
  securityEventAuditData,
  toAccess,
  toCode,
  toGrant,
  toPersonalToken,
  toRefresh,
  toTeamToken,
  type AccessRow,
  type ClientRow,
  type CodeRow,
  type GrantRow,
  type PersonalTokenRow,
  type RefreshRow,
  type TeamRow,
} from './oauth-rows.ts';

/** Prisma's SQLite DateTime text: ISO 8601 with an explicit UTC offset. */
export function sqliteTime(at: Date): string {
  return at.toISOString().replace('Z', '+00:00');
}

/** "Last used" is kept to the minute: a token used 1,000 times a second writes once a minute. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** A "last used" older than this is rewritten by a use at `at`. */
export function lastUsedCutoff(at: Date): Date {
  return new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
}

type Raw = Record<string, unknown>;

/** Unique violations carry Prisma's code, so callers handle one shape whichever path stored the row. */
function asPrismaError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return Object.assign(new Error(`Unique constraint failed: ${(error as Error).message}`), { code: 'P2002', cause: error });
  }
  return error;
}

/** A raw row in the shape Prisma returns (Dates and booleans), for the shared row codecs. */
function typed<T>(row: Raw | undefined, dates: readonly string[], booleans: readonly string[] = []): T | null {
  if (!row) return null;
  const out: Raw = { ...row };
  for (const key of dates) out[key] = row[key] == null ? null : new Date(row[key] as string);
  for (const key of booleans) out[key] = row[key] === 1;
  return out as T;
}

const CLIENT_DATES = ['lastUsedAt', 'secretRotatedAt', 'approvedAt', 'createdAt', 'updatedAt'];
const GRANT_DATES = ['createdAt', 'lastUsedAt', 'revokedAt'];
const CODE_DATES = ['expiresAt', 'redeemedAt', 'createdAt'];
const REFRESH_DATES = ['expiresAt', 'rotatedAt', 'revokedAt', 'lastUsedAt', 'createdAt'];
const ACCESS_DATES = ['expiresAt', 'revokedAt', 'createdAt'];

/** The workspace keys of every active team the user (an SQL expression) belongs to, in order. */
function userWorkspaceKeys(userId: string): string {
  return `SELECT DISTINCT w."key" FROM "Workspace" w
            JOIN "TeamWorkspaceAssignment" a ON a."workspaceId" = w."id"
            JOIN "Team" t ON t."id" = a."teamId" AND t."active" = 1
            JOIN "TeamMembership" m ON m."teamId" = t."id" AND m."userId" = ${userId}
          ORDER BY w."key"`;
}

function prepare(connection: BetterSqlite3.Database) {
  const sql = (text: string) => connection.prepare(text).safeIntegers(false);
  return {
    clientByClientId: sql('SELECT * FROM "Client" WHERE "clientId" = ?'),
    // What decides whether a remembered client is still current: any change
    // through Prisma moves updatedAt; disabling, secrets and approval are compared as such.
    clientVersion: sql('SELECT "updatedAt", "disabled", "secretHash", "approvedAt" FROM "Client" WHERE "clientId" = ?').raw(),
    touchClient: sql('UPDATE "Client" SET "lastUsedAt" = ? WHERE "id" = ? AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ?)'),
    scopes: sql('SELECT "name", "description", "tools", "isDefault" FROM "Scope" ORDER BY "name"'),
    resourceServers: sql('SELECT "url", "name", "scopes" FROM "ResourceServer" ORDER BY "url"'),
    grantById: sql('SELECT * FROM "Grant" WHERE "id" = ?'),
    touchGrant: sql('UPDATE "Grant" SET "lastUsedAt" = ? WHERE "id" = ? AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ?)'),
    codeByHash: sql('SELECT * FROM "AuthorizationCode" WHERE "codeHash" = ?'),
    redeemCode: sql('UPDATE "AuthorizationCode" SET "redeemedAt" = ? WHERE "id" = ? AND "redeemedAt" IS NULL'),
    refreshByHash: sql('SELECT * FROM "RefreshToken" WHERE "tokenHash" = ?'),
    rotateRefresh: sql('UPDATE "RefreshToken" SET "rotatedAt" = ?, "lastUsedAt" = ?, "retryCipher" = ? WHERE "id" = ? AND "rotatedAt" IS NULL AND "revokedAt" IS NULL'),
    insertRefresh: sql(
      'INSERT INTO "RefreshToken" ("id", "tokenHash", "grantId", "familyId", "parentId", "scope", "resource", "expiresAt", "jkt", "createdAt") VALUES (@id, @tokenHash, @grantId, @familyId, @parentId, @scope, @resource, @expiresAt, @jkt, @createdAt)',
    ),
    revokeFamilyRefresh: sql('UPDATE "RefreshToken" SET "revokedAt" = ?, "revokedReason" = ? WHERE "familyId" = ? AND "revokedAt" IS NULL'),
    dropFamilyRetries: sql('UPDATE "RefreshToken" SET "retryCipher" = NULL WHERE "familyId" = ? AND "retryCipher" IS NOT NULL'),
    revokeFamilyAccess: sql('UPDATE "AccessToken" SET "revokedAt" = ? WHERE "familyId" = ? AND "revokedAt" IS NULL'),
    insertAccess: sql(
      'INSERT INTO "AccessToken" ("jti", "kind", "grantId", "familyId", "clientId", "userId", "kid", "scope", "audience", "expiresAt", "jkt", "createdAt") VALUES (@jti, @kind, @grantId, @familyId, @clientId, @userId, @kid, @scope, @audience, @expiresAt, @jkt, @createdAt)',
    ),
    accessByJti: sql('SELECT * FROM "AccessToken" WHERE "jti" = ?'),
    revokeAccess: sql('UPDATE "AccessToken" SET "revokedAt" = ? WHERE "jti" = ? AND "revokedAt" IS NULL'),
    userWorkspaces: sql(userWorkspaceKeys('?')).pluck(),
    teamWorkspaces: sql(
      `SELECT w."key" FROM "Workspace" w
         JOIN "TeamWorkspaceAssignment" a ON a."workspaceId" = w."id"
         JOIN "Team" t ON t."id" = a."teamId" AND t."active" = 1
       WHERE a."teamId" = ? ORDER BY w."key"`,
    ).pluck(),
    // The user's standing and workspaces in one read: NULL for a disabled user.
    activeUserWorkspaces: sql(`SELECT (SELECT json_group_array("key") FROM (${userWorkspaceKeys('u."id"')})) FROM "User" u WHERE u."id" = ? AND u."disabled" = 0`).pluck(),
    personalByHash: sql('SELECT * FROM "PersonalToken" WHERE "tokenHash" = ?'),
    touchPersonal: sql('UPDATE "PersonalToken" SET "lastUsedAt" = ? WHERE "id" = ? AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ?)'),
    teamByTokenHash: sql('SELECT t.*, u."disabled" AS "ownerDisabled" FROM "Team" t JOIN "User" u ON u."id" = t."ownerId" WHERE t."tokenHash" = ?'),
    insertAudit: sql(
      'INSERT INTO "AuditEvent" ("id", "at", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "ip", "userAgent", "details") VALUES (@id, @at, @actorType, @actorId, @actorLabel, @action, @targetType, @targetId, @ip, @userAgent, @details)',
    ),
    touchTeam: sql('UPDATE "Team" SET "tokenLastUsedAt" = ? WHERE "id" = ? AND "activeJti" = ? AND ("tokenLastUsedAt" IS NULL OR "tokenLastUsedAt" < ?)'),
  };
}

type Statements = ReturnType<typeof prepare>;

function accessParams(token: Parameters<OAuthStore['insertAccessToken']>[0], at: Date) {
  const c = accessColumns(token);
  return { ...c, expiresAt: sqliteTime(c.expiresAt), createdAt: sqliteTime(at) };
}

function refreshParams(token: Parameters<OAuthStore['insertRefreshToken']>[0], at: Date) {
  const c = refreshColumns(token);
  return { ...c, expiresAt: sqliteTime(c.expiresAt), createdAt: sqliteTime(at) };
}

function insertSecurityEvent(s: Statements, event: SecurityEvent): void {
  const row = securityEventAuditData(event);
  s.insertAudit.run({ ...row, at: sqliteTime(row.at) });
}

type Pending = { fn: (s: Statements, connection: BetterSqlite3.Database) => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Commits a batch of writes as one IMMEDIATE transaction, each write in its own
 * savepoint, with SQLite's busy wait off (a lock held elsewhere fails at once
 * with SQLITE_BUSY instead of blocking the thread). The transaction wrappers
 * and pragmas are prepared once: better-sqlite3 builds new ones per call otherwise.
 */
function batchCommitter(connection: BetterSqlite3.Database, statements: Statements): (batch: Pending[]) => Outcome[] {
  const busyTimeout = connection.pragma('busy_timeout', { simple: true }) as number;
  const busyWaitOff = connection.prepare('PRAGMA busy_timeout = 0');
  const busyWaitOn = connection.prepare(`PRAGMA busy_timeout = ${busyTimeout}`);
  const inSavepoint = connection.transaction((item: Pending) => item.fn(statements, connection));
  const all = connection.transaction((batch: Pending[]) =>
    batch.map((item): Outcome => {
      try {
        return { ok: true, value: inSavepoint(item) };
      } catch (error) {
        return { ok: false, error: asPrismaError(error) };
      }
    }),
  );
  return (batch) => {
    busyWaitOff.get();
    try {
      return all.immediate(batch);
    } finally {
      busyWaitOn.get();
    }
  };
}

/** The hot-path methods of the OAuth store, or null when the database is not SQLite. */
export function sqliteHotPaths(db: Db): Partial<OAuthStore> | null {
  const open = db.sqlite;
  if (!open) return null;
  let state: { connection: BetterSqlite3.Database; statements: Statements; commit: (batch: Pending[]) => Outcome[] } | null = null;

  /** Runs `fn` once no Prisma transaction is open, in the same tick as that check. */
  async function run<T>(fn: (s: Statements, connection: BetterSqlite3.Database) => T): Promise<T> {
    if (!state) {
      const connection = await open!();
      if (!state) {
        const statements = prepare(connection);
        state = { connection, statements, commit: batchCommitter(connection, statements) };
      }
    }
    while (state.connection.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    try {
      return fn(state.statements, state.connection);
    } catch (error) {
      throw asPrismaError(error);
    }
  }

  let pending: Pending[] = [];
  let flushScheduled = false;

  /** Runs `fn` in the next group commit; resolves once it is committed. */
  function write<T>(fn: (s: Statements, connection: BetterSqlite3.Database) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
  }

  // The write lock may be held by another connection (the pages thread, the
  // CLI, another process): instead of SQLite's busy wait, which would block
  // this thread's event loop, the batch is retried a moment later, up to the
  // connection's usual 5 s.
  const BUSY_RETRY_MS = 2;
  const BUSY_GIVE_UP_MS = 5_000;

  async function flush(waitingSince?: number): Promise<void> {
    let batch: Pending[] = [];
    try {
      await run(() => {
        batch = pending;
        pending = [];
        let outcomes: Outcome[];
        try {
          outcomes = state!.commit(batch);
        } catch (error) {
          const since = waitingSince ?? Date.now();
          if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() - since > BUSY_GIVE_UP_MS) throw error;
          pending = batch.concat(pending);
          batch = [];
          setTimeout(() => void flush(since), BUSY_RETRY_MS);
          return;
        }
        flushScheduled = false;
        outcomes.forEach((outcome, i) => (outcome.ok ? batch[i].resolve(outcome.value) : batch[i].reject(outcome.error)));
      });
    } catch (error) {
      // The transaction itself failed (busy beyond the wait, disk full, …): nothing in it was written.
      const failed = batch.length ? batch : pending.splice(0);
      flushScheduled = false;
      for (const item of failed) item.reject(error);
    }
  }

  /** The consume, and only when it matched, the tokens issued from it (one savepoint: all or nothing). */
  function consumeThenStore(consume: (s: Statements) => boolean, issued: IssuedTokens, at: Date): Promise<boolean> {
    return write((s) => {
      if (!consume(s)) return false;
      s.insertAccess.run(accessParams(issued.accessToken, at));
      if (issued.refreshToken) s.insertRefresh.run(refreshParams(issued.refreshToken, at));
      return true;
    });
  }

  // Parsed clients, each checked against its row's version on every lookup
  // (one narrow indexed read instead of reading and parsing the whole row).
  const clients = new Map<string, { version: string; client: OAuthClient }>();

  // What this process wrote last, per row: within the resolution there is nothing to write.
  const touched = new Map<string, number>();
  const touch = (statement: keyof Statements) => async (id: string, at: Date) => {
    const key = `${statement}|${id}`;
    if (at.getTime() - (touched.get(key) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    if (touched.size >= 10_000) touched.clear();
    touched.set(key, at.getTime());
    await write((s) => {
      s[statement].run(sqliteTime(at), id, sqliteTime(lastUsedCutoff(at)));
    });
  };

  return {
    findClient: (clientId) => run((s) => {
      const head = s.clientVersion.get(clientId) as unknown[] | undefined;
      if (!head) {
        clients.delete(clientId);
        return null;
      }
      const version = head.join('|');
      const known = clients.get(clientId);
      if (known?.version === version) return known.client;
      const row = typed<ClientRow>(s.clientByClientId.get(clientId) as Raw | undefined, CLIENT_DATES, ['canIntrospect', 'disabled']);
      const client = row && toClient(row);
      if (client) {
        if (clients.size >= 10_000) clients.clear();
        clients.set(clientId, { version, client });
      }
      return client;
    }),
    touchClient: touch('touchClient'),

    listScopes: () => run((s) =>
      (s.scopes.all() as { name: string; description: string; tools: string; isDefault: number }[]).map(
        (r): ScopeDefinition => ({ name: r.name, description: r.description, tools: parseList(r.tools, 'Scope.tools'), isDefault: r.isDefault === 1 }),
      ),
    ),
    listResourceServers: () => run((s) => (s.resourceServers.all() as { url: string; name: string; scopes: string }[]).map((r) => ({ url: r.url, name: r.name, scopes: splitScope(r.scopes) }))),

    findGrant: (id) => run((s) => {
      const row = typed<GrantRow>(s.grantById.get(id) as Raw | undefined, GRANT_DATES);
      return row && toGrant(row);
    }),
    touchGrant: touch('touchGrant'),

    findAuthorizationCode: (codeHash) => run((s) => {
      const row = typed<CodeRow>(s.codeByHash.get(codeHash) as Raw | undefined, CODE_DATES);
      return row && toCode(row);
    }),
    redeemAuthorizationCode: async (codeId, at, issued) =>
      (await consumeThenStore((s) => s.redeemCode.run(sqliteTime(at), codeId).changes === 1, issued, at)) ? 'redeemed' : 'already_redeemed',

    findRefreshToken: (tokenHash) => run((s) => {
      const row = typed<RefreshRow>(s.refreshByHash.get(tokenHash) as Raw | undefined, REFRESH_DATES);
      return row && toRefresh(row);
    }),
    insertRefreshToken: (token) => write((s) => {
      s.insertRefresh.run(refreshParams(token, new Date()));
    }),
    rotateRefreshToken: async (tokenId, at, retryCipher, issued) =>
      (await consumeThenStore((s) => s.rotateRefresh.run(sqliteTime(at), sqliteTime(at), retryCipher, tokenId).changes === 1, issued, at)) ? 'rotated' : 'already_rotated',
    // Both statements or neither: the batch runs each write in its own savepoint.
    revokeFamily: (familyId, reason, at, event) => write((s) => {
      s.revokeFamilyRefresh.run(sqliteTime(at), reason, familyId);
      s.dropFamilyRetries.run(familyId);
      s.revokeFamilyAccess.run(sqliteTime(at), familyId);
      if (event) insertSecurityEvent(s, event);
    }),

    insertAccessToken: (token) => write((s) => {
      s.insertAccess.run(accessParams(token, new Date()));
    }),
    findAccessToken: (jti) => run((s) => {
      const row = typed<AccessRow>(s.accessByJti.get(jti) as Raw | undefined, ACCESS_DATES);
      return row && toAccess(row);
    }),
    revokeAccessToken: (jti, at, event) => write((s) => {
      s.revokeAccess.run(sqliteTime(at), jti);
      if (event) insertSecurityEvent(s, event);
    }),

    listUserWorkspaces: (userId) => run((s) => s.userWorkspaces.all(userId) as string[]),
    listTeamWorkspaces: (teamId) => run((s) => s.teamWorkspaces.all(teamId) as string[]),
    activeUserWorkspaces: (userId) => run((s) => {
      const keys = s.activeUserWorkspaces.get(userId) as string | undefined;
      return keys === undefined ? null : (JSON.parse(keys) as string[]);
    }),

    findPersonalToken: (tokenHash) => run((s) => {
      const row = typed<PersonalTokenRow>(s.personalByHash.get(tokenHash) as Raw | undefined, ['expiresAt', 'lastUsedAt', 'revokedAt', 'createdAt']);
      return row && toPersonalToken(row);
    }),
    touchPersonalToken: touch('touchPersonal'),
    findTeamByTokenHash: (tokenHash) => run((s) => {
      const row = typed<TeamRow & { ownerDisabled: boolean }>(s.teamByTokenHash.get(tokenHash) as Raw | undefined, ['tokenIssuedAt', 'tokenLastUsedAt', 'createdAt', 'updatedAt'], ['active', 'ownerDisabled']);
      return row && toTeamToken(row, row.ownerDisabled);
    }),
    recordSecurityEvent: (event) => write((s) => insertSecurityEvent(s, event)),
    touchTeamToken: (teamId, jti, at) => write((s) => {
      s.touchTeam.run(sqliteTime(at), teamId, jti, sqliteTime(lastUsedCutoff(at)));
    }),
  };
}
