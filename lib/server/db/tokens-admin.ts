// The admin token list: grants, refresh, access,
// personal and team tokens in one list, newest first, filtered by kind, status,
// user, client, team or free text, and fast at a million rows.
//
// How it stays fast: the list is a merge of "legs". A leg reads one kind of row
// through one ordered index range scan — (createdAt, id), or (owner, createdAt,
// id) when a user, client or team drives it — and stops after a page's worth
// of rows. All legs run as one UNION ALL statement and are merged here.
// User, client and team filters are resolved to ids first with unique or
// prefix look-ups, so no query ever searches text over the token tables.
//
// A condition the leg's index cannot answer (a status, a second owner filter)
// is checked on the rows the scan yields, and a scan reads at most SCAN_BUDGET
// rows per page: a rare status on a big table then returns a short page and a
// cursor to go on from, instead of reading the whole table in one request.
//
// Sort key: (createdAt DESC, id DESC, kind DESC). Ids are compared bytewise in
// SQLite and under the database collation in PostgreSQL; Gatehouse's ids are
// UUIDs (lower-case hex and dashes) which sort the same under C and the
// common UTF-8 collations, so the merge here agrees with the database.
import { hashToken } from '../../crypto.ts';
import { Prisma } from './generated/sqlite/client.ts';
import type { Db } from './client.ts';
import { decodeCursor, encodeCursor } from './keyset.ts';
import { splitScope } from './columns.ts';
import { STATUSES_OF, TOKEN_TYPES, TYPES_OF_OWNER, type TokenStatus, type TokenType } from './token-kinds.ts';

export type TokenFilter = {
  type?: TokenType;
  status?: TokenStatus;
  /** id, email or username */
  user?: string;
  /** client_id, internal id or exact name */
  client?: string;
  /** id or name */
  team?: string;
  /** free text: a token (or its prefix), an id prefix, or the start of an email, username, client or team name */
  q?: string;
};

export type TokenListRow = {
  type: TokenType;
  id: string;
  createdAt: Date;
  status: TokenStatus;
  expiresAt: Date | null;
  revokedAt: Date | null;
  rotatedAt: Date | null;
  lastUsedAt: Date | null;
  revokedReason: string | null;
  /** access: oauth | client_credentials; personal token and team: its name */
  detail: string | null;
  /** personal and team tokens: the first characters, as shown to their owner */
  prefix: string | null;
  scope: string[];
  grantId: string | null;
  familyId: string | null;
  user: { id: string; email: string } | null;
  client: { id: string; clientId: string; name: string } | null;
  team: { id: string; name: string; active: boolean } | null;
  /** access and refresh tokens bound to a DPoP key (RFC 9449) */
  keyBound: boolean;
  /** refresh tokens: what the family's reuse detection saw (audit events `oauth.refresh_reused`) */
  reuse: { graceRetries: number; lastRetryAt: Date | null; familyRevoked: boolean } | null;
};

export type TokenListPage = {
  rows: TokenListRow[];
  next: string | null;
  /** the page stopped at the scan budget: older matches may follow on the next page */
  partial: boolean;
  /** what the filters and the search were understood as */
  resolved: {
    user: { id: string; email: string } | null;
    clients: { id: string; clientId: string; name: string }[];
    team: { id: string; name: string } | null;
    search: string[];
  };
  /** a filter that named nothing: the list is empty */
  unresolved: ('user' | 'client' | 'team')[];
};

export const PAGE_SIZE = 25;
/** Index entries one leg reads at most for a page when conditions outside its index apply. */
export const SCAN_BUDGET = 10_000;
/** A client with at most this many grants drives its refresh tokens through their grants. */
const SMALL_CLIENT_GRANTS = 2_500;
const SUBJECTS_PER_KIND = 5;

export type Owner = 'user' | 'client' | 'team';
type Driver =
  | { kind: 'all' }
  | { kind: 'owner'; owner: Owner; id: string; clientGrantsSmall?: boolean }
  | { kind: 'id'; id: string }
  | { kind: 'idPrefix'; prefix: string }
  | { kind: 'hash'; hash: string }
  | { kind: 'tokenPrefix'; prefix: string };

type Residuals = { userId?: string; clientIds?: string[]; teamId?: string; status?: TokenStatus; now: Date };

const sql = Prisma.sql;
const raw = Prisma.raw;
const join = Prisma.join;

// ---------------------------------------------------------------------------
// One SELECT list for every kind, so the legs can be UNIONed.

type Table = {
  from: Prisma.Sql;
  /** the same rows without joins: what a frontier scan reads (index only) */
  fromAlone: Prisma.Sql;
  key: { at: Prisma.Sql; id: Prisma.Sql };
  /** the SQL expression of each output column the kind has */
  cols: Partial<Record<Column, string>>;
  /** always true of the kind's rows (team rows without a token are not tokens) */
  base?: Prisma.Sql;
  /** the join condition of `from` (not part of a frontier scan) */
  join?: Prisma.Sql;
  owner: Partial<Record<Owner, Prisma.Sql>>;
  hash?: Prisma.Sql;
  tokenPrefix?: Prisma.Sql;
  /** small table: read whole, never budgeted */
  small?: boolean;
};

type Column = 'id' | 'createdAt' | 'expiresAt' | 'revokedAt' | 'rotatedAt' | 'revokedReason' | 'lastUsedAt' | 'userId' | 'clientId' | 'teamId' | 'grantId' | 'familyId' | 'detail' | 'prefix' | 'scope' | 'live' | 'jkt';
const COLUMN_TYPES: Record<Column, string> = {
  id: 'TEXT', createdAt: 'TIMESTAMP(3)', expiresAt: 'TIMESTAMP(3)', revokedAt: 'TIMESTAMP(3)', rotatedAt: 'TIMESTAMP(3)', revokedReason: 'TEXT',
  lastUsedAt: 'TIMESTAMP(3)', userId: 'TEXT', clientId: 'TEXT', teamId: 'TEXT', grantId: 'TEXT', familyId: 'TEXT', detail: 'TEXT', prefix: 'TEXT', scope: 'TEXT', live: 'INTEGER', jkt: 'TEXT',
};

/** One SELECT list for every kind (typed NULLs where a kind lacks a column), so the legs can be UNIONed. */
function selectList(type: TokenType): Prisma.Sql {
  const { cols } = TABLES[type];
  const list = (Object.keys(COLUMN_TYPES) as Column[]).map((c) => `${cols[c] ?? `CAST(NULL AS ${COLUMN_TYPES[c]})`} AS "${c}"`);
  return raw(`'${type}' AS "type", ${list.join(', ')}`);
}

function col(type: TokenType, name: Column): Prisma.Sql {
  const expression = TABLES[type].cols[name];
  if (!expression) throw new Error(`${type} has no ${name}`);
  return raw(expression);
}

const TABLES: Record<TokenType, Table> = {
  grant: {
    from: raw('"Grant" t'),
    fromAlone: raw('"Grant" t'),
    key: { at: raw('t."createdAt"'), id: raw('t."id"') },
    cols: { id: 't."id"', createdAt: 't."createdAt"', revokedAt: 't."revokedAt"', lastUsedAt: 't."lastUsedAt"', userId: 't."userId"', clientId: 't."clientId"', grantId: 't."id"', scope: 't."scope"' },
    owner: { user: raw('t."userId"'), client: raw('t."clientId"') },
  },
  refresh: {
    // CROSS JOIN keeps the token scan outside in SQLite (the grant is a lookup
    // per token): driving from a big client's grants would read and sort all
    // their tokens. PostgreSQL treats it as the inner join it is.
    from: raw('"RefreshToken" t CROSS JOIN "Grant" g'),
    fromAlone: raw('"RefreshToken" t'),
    key: { at: raw('t."createdAt"'), id: raw('t."id"') },
    cols: {
      id: 't."id"', createdAt: 't."createdAt"', expiresAt: 't."expiresAt"', revokedAt: 't."revokedAt"', rotatedAt: 't."rotatedAt"', revokedReason: 't."revokedReason"',
      lastUsedAt: 't."lastUsedAt"', userId: 'g."userId"', clientId: 'g."clientId"', grantId: 't."grantId"', familyId: 't."familyId"', scope: 't."scope"', jkt: 't."jkt"',
    },
    // Refresh tokens reach their owner through the grant (see driverCondition).
    owner: {},
    join: raw('g."id" = t."grantId"'),
    hash: raw('t."tokenHash"'),
  },
  access: {
    from: raw('"AccessToken" t'),
    fromAlone: raw('"AccessToken" t'),
    key: { at: raw('t."createdAt"'), id: raw('t."jti"') },
    cols: {
      id: 't."jti"', createdAt: 't."createdAt"', expiresAt: 't."expiresAt"', revokedAt: 't."revokedAt"', userId: 't."userId"', clientId: 't."clientId"',
      teamId: 't."teamId"', grantId: 't."grantId"', familyId: 't."familyId"', detail: 't."kind"', scope: 't."scope"', jkt: 't."jkt"',
    },
    owner: { user: raw('t."userId"'), client: raw('t."clientId"'), team: raw('t."teamId"') },
  },
  personal: {
    from: raw('"PersonalToken" t'),
    fromAlone: raw('"PersonalToken" t'),
    key: { at: raw('t."createdAt"'), id: raw('t."id"') },
    cols: {
      id: 't."id"', createdAt: 't."createdAt"', expiresAt: 't."expiresAt"', revokedAt: 't."revokedAt"', lastUsedAt: 't."lastUsedAt"', userId: 't."userId"',
      detail: 't."name"', prefix: 't."prefix"',
    },
    owner: { user: raw('t."userId"') },
    hash: raw('t."tokenHash"'),
    tokenPrefix: raw('t."prefix"'),
  },
  team: {
    // A team's one token: issued at tokenIssuedAt; revoking it clears activeJti and the hash.
    from: raw('"Team" t'),
    fromAlone: raw('"Team" t'),
    key: { at: raw('t."tokenIssuedAt"'), id: raw('t."id"') },
    cols: {
      id: 't."id"', createdAt: 't."tokenIssuedAt"', lastUsedAt: 't."tokenLastUsedAt"', teamId: 't."id"', detail: 't."name"', prefix: 't."tokenPrefix"',
      live: 'CASE WHEN t."activeJti" IS NOT NULL AND t."active" THEN 1 ELSE 0 END',
    },
    base: raw('t."tokenPrefix" IS NOT NULL AND t."tokenIssuedAt" IS NOT NULL'),
    owner: { team: raw('t."id"') },
    hash: raw('t."tokenHash"'),
    tokenPrefix: raw('t."tokenPrefix"'),
    small: true,
  },
};

// ---------------------------------------------------------------------------
// Conditions

function statusCondition(type: TokenType, status: TokenStatus, now: Date): Prisma.Sql {
  const c = (name: Column) => col(type, name);
  if (type === 'team') return status === 'active' ? sql`${c('live')} = 1` : sql`${c('live')} = 0`;
  const live = sql`${c('revokedAt')} IS NULL`;
  if (status === 'revoked') return sql`${c('revokedAt')} IS NOT NULL`;
  if (type === 'grant') return live;
  if (type === 'refresh') {
    if (status === 'active') return sql`${live} AND ${c('rotatedAt')} IS NULL AND ${c('expiresAt')} > ${now}`;
    if (status === 'expired') return sql`${live} AND ${c('rotatedAt')} IS NULL AND ${c('expiresAt')} <= ${now}`;
    if (status === 'rotated') return sql`${live} AND ${c('rotatedAt')} IS NOT NULL`;
    return sql`${c('revokedAt')} IS NOT NULL AND ${c('revokedReason')} = 'reuse'`;
  }
  const unexpired = type === 'personal' ? sql`(${c('expiresAt')} IS NULL OR ${c('expiresAt')} > ${now})` : sql`${c('expiresAt')} > ${now}`;
  if (status === 'active') return sql`${live} AND ${unexpired}`;
  return sql`${live} AND ${c('expiresAt')} <= ${now}`;
}

/**
 * Revoked rows have partial indexes on (createdAt, id) (see the migration), so
 * on an unfiltered scan "revoked" (and "reused", a part of it) is read densely.
 */
function indexedStatusCondition(type: TokenType, driver: Driver, status: TokenStatus | undefined): Prisma.Sql | null {
  if (driver.kind !== 'all' || type === 'team') return null;
  if (status === 'revoked' || (status === 'reused' && type === 'refresh')) return sql`${col(type, 'revokedAt')} IS NOT NULL`;
  return null;
}

/** What the leg checks row by row on top of its index scan. */
function residualConditions(type: TokenType, driver: Driver, r: Residuals): Prisma.Sql[] {
  const out: Prisma.Sql[] = [];
  const drivenBy = (owner: Owner) => driver.kind === 'owner' && driver.owner === owner && !(owner === 'client' && type === 'refresh' && !driver.clientGrantsSmall);
  if (r.userId && !drivenBy('user')) out.push(sql`${col(type, 'userId')} = ${r.userId}`);
  if (r.teamId && !drivenBy('team')) out.push(sql`${col(type, 'teamId')} = ${r.teamId}`);
  if (r.clientIds?.length && !(drivenBy('client') && r.clientIds.length === 1)) out.push(sql`${col(type, 'clientId')} IN (${join(r.clientIds)})`);
  // A refresh-token leg that scans for a big client checks the client on each row.
  if (type === 'refresh' && driver.kind === 'owner' && driver.owner === 'client' && !driver.clientGrantsSmall) out.push(sql`${col(type, 'clientId')} = ${driver.id}`);
  if (r.status && !(r.status === 'revoked' && indexedStatusCondition(type, driver, r.status))) out.push(statusCondition(type, r.status, r.now));
  return out;
}

/** The condition that drives a leg's index scan; null when the kind has no such rows. */
function driverCondition(type: TokenType, driver: Driver): Prisma.Sql | null {
  const table = TABLES[type];
  switch (driver.kind) {
    case 'all':
      return sql`1 = 1`;
    case 'owner': {
      if (type === 'refresh') {
        if (driver.owner === 'team') return null;
        if (driver.owner === 'client' && !driver.clientGrantsSmall) return sql`1 = 1`;
        const column = driver.owner === 'user' ? raw('"userId"') : raw('"clientId"');
        return sql`t."grantId" IN (SELECT "id" FROM "Grant" WHERE ${column} = ${driver.id})`;
      }
      const column = table.owner[driver.owner];
      return column ? sql`${column} = ${driver.id}` : null;
    }
    case 'id':
      return sql`${table.key.id} = ${driver.id}`;
    case 'idPrefix':
      return sql`${table.key.id} >= ${driver.prefix} AND ${table.key.id} < ${`${driver.prefix}\uffff`}`;
    case 'hash':
      return table.hash ? sql`${table.hash} = ${driver.hash}` : null;
    case 'tokenPrefix':
      return table.tokenPrefix ? sql`${table.tokenPrefix} >= ${driver.prefix} AND ${table.tokenPrefix} < ${`${driver.prefix}\uffff`}` : null;
  }
}

type CursorKey = { at: Date; id: string; rank: number };

function keysetCondition(type: TokenType, after: CursorKey | undefined): Prisma.Sql {
  if (!after) return sql`1 = 1`;
  const { key } = TABLES[type];
  // Rows of a lower-ranked kind with the same (createdAt, id) still come after the cursor.
  const op = raw(TOKEN_TYPES.indexOf(type) < after.rank ? '<=' : '<');
  return sql`(${key.at}, ${key.id}) ${op} (${after.at}, ${after.id})`;
}

type Leg = {
  type: TokenType;
  /** conditions an index answers: the scan's range */
  indexed: Prisma.Sql;
  residual: Prisma.Sql[];
};

function planLeg(type: TokenType, driver: Driver, residuals: Residuals, after: CursorKey | undefined): Leg | null {
  const driving = driverCondition(type, driver);
  if (!driving) return null;
  const table = TABLES[type];
  const status = indexedStatusCondition(type, driver, residuals.status);
  const indexed = join([driving, keysetCondition(type, after), ...(table.base ? [table.base] : []), ...(status ? [status] : [])], ' AND ');
  return { type, indexed, residual: residualConditions(type, driver, residuals) };
}

const budgeted = (leg: Leg) => leg.residual.length > 0 && !TABLES[leg.type].small;

/** The budget-th row of a leg's index range, if the range has that many: how far this page reads. */
function frontierSql(leg: Leg, index: number, budget: number): Prisma.Sql {
  const { key, fromAlone } = TABLES[leg.type];
  return sql`SELECT * FROM (SELECT ${raw(String(index))} AS "leg", ${key.at} AS "at", ${key.id} AS "id" FROM ${fromAlone} WHERE ${leg.indexed}
    ORDER BY ${key.at} DESC, ${key.id} DESC LIMIT 1 OFFSET ${budget - 1}) ${raw(`f${index}`)}`;
}

function legSql(leg: Leg, frontier: { at: Date; id: string } | undefined, limit: number): Prisma.Sql {
  const { from, fromAlone, key } = TABLES[leg.type];
  const joined = TABLES[leg.type].join;
  const order = sql`ORDER BY ${key.at} DESC, ${key.id} DESC LIMIT ${limit}`;
  if (!leg.residual.length) {
    // Everything is in the index: pick the page's ids from the index alone
    // (no row is read while the index is walked or sorted), then read those rows.
    const keys = sql`SELECT ${key.id} AS "k" FROM ${fromAlone} WHERE ${leg.indexed} ${order}`;
    return sql`SELECT ${selectList(leg.type)} FROM (${keys}) k CROSS JOIN ${from} WHERE ${join([sql`${key.id} = k."k"`, ...(joined ? [joined] : [])], ' AND ')}`;
  }
  // Inclusive: the frontier row itself was within the budget.
  const bound = frontier ? [sql`(${key.at}, ${key.id}) >= (${frontier.at}, ${frontier.id})`] : [];
  const where = join([...(joined ? [joined] : []), leg.indexed, ...bound, ...leg.residual], ' AND ');
  return sql`SELECT ${selectList(leg.type)} FROM ${from} WHERE ${where} ${order}`;
}

// ---------------------------------------------------------------------------
// Resolving filters and the search to ids (unique or prefix index look-ups).

const prefixRange = (column: string, prefix: string) => ({ [column]: { gte: prefix, lt: `${prefix}\uffff` } });

async function resolveUser(db: Db, input: string) {
  const select = { id: true, email: true } as const;
  return (
    (await db.prisma.user.findUnique({ where: { id: input }, select })) ??
    (await db.prisma.user.findUnique({ where: { email: input.toLowerCase() }, select })) ??
    (await db.prisma.user.findUnique({ where: { username: input }, select }))
  );
}

const CLIENT_SELECT = { id: true, clientId: true, name: true } as const;

async function resolveClients(db: Db, input: string) {
  const exact = (await db.prisma.client.findUnique({ where: { clientId: input }, select: CLIENT_SELECT })) ?? (await db.prisma.client.findUnique({ where: { id: input }, select: CLIENT_SELECT }));
  if (exact) return [exact];
  return db.prisma.client.findMany({ where: { name: input }, select: CLIENT_SELECT, orderBy: { id: 'asc' }, take: 10 });
}

async function resolveTeam(db: Db, input: string) {
  const select = { id: true, name: true } as const;
  return (await db.prisma.team.findUnique({ where: { id: input }, select })) ?? (await db.prisma.team.findUnique({ where: { name: input }, select }));
}

const TOKEN_VALUE = /^gh_(pat|team|rt)_[A-Za-z0-9_-]{20,}$/;
const JWT = /^eyJ[\w-]*\.([\w-]+)\.[\w-]*$/;
const SHA256_SEARCH = /^sha256:([0-9a-fA-F]{64})$/;
const ID_PREFIX = /^[0-9a-f][0-9a-f-]{5,35}$/;

/** What a free-text search means: each reading becomes one or more drivers. */
async function resolveSearch(db: Db, q: string): Promise<{ drivers: { driver: Driver; types?: TokenType[] }[]; described: string[] }> {
  const drivers: { driver: Driver; types?: TokenType[] }[] = [];
  const described: string[] = [];
  if (TOKEN_VALUE.test(q)) {
    // A whole token: find it by its hash, as introspection would.
    const type: TokenType = q.startsWith('gh_pat_') ? 'personal' : q.startsWith('gh_team_') ? 'team' : 'refresh';
    drivers.push({ driver: { kind: 'hash', hash: hashToken(q) }, types: [type] });
    described.push('the token you pasted');
    return { drivers, described };
  }
  const hashed = q.match(SHA256_SEARCH);
  if (hashed) {
    // The page hashes a pasted token in the browser, so the secret never reaches a URL or a log.
    drivers.push({ driver: { kind: 'hash', hash: hashed[1].toLowerCase() }, types: ['refresh', 'personal', 'team'] });
    described.push('the token you pasted');
    return { drivers, described };
  }
  if (q.startsWith('gh_pat_') || q.startsWith('gh_team_')) {
    drivers.push({ driver: { kind: 'tokenPrefix', prefix: q.slice(0, q.startsWith('gh_pat_') ? 13 : 14) } });
    described.push(`tokens starting ${q.slice(0, 14)}`);
    return { drivers, described };
  }
  const jwt = q.match(JWT);
  if (jwt) {
    try {
      const claims = JSON.parse(Buffer.from(jwt[1], 'base64url').toString('utf8')) as { jti?: unknown };
      if (typeof claims.jti === 'string') {
        drivers.push({ driver: { kind: 'id', id: claims.jti }, types: ['access'] });
        described.push('the access token you pasted');
      }
    } catch {
      // not a JWT after all: nothing matches
    }
    return { drivers, described };
  }
  const lower = q.toLowerCase();
  if (ID_PREFIX.test(lower)) {
    drivers.push({ driver: { kind: 'idPrefix', prefix: lower } });
    described.push(`ids starting ${lower}`);
  }
  const take = SUBJECTS_PER_KIND;
  const capital = q.charAt(0).toUpperCase() + q.slice(1);
  const [byEmail, byUsername, byClientId, byName, byCapName, teams, teamsCap] = await Promise.all([
    db.prisma.user.findMany({ where: prefixRange('email', lower), select: { id: true, email: true }, orderBy: { email: 'asc' }, take }),
    db.prisma.user.findMany({ where: prefixRange('username', q), select: { id: true, email: true }, orderBy: { username: 'asc' }, take }),
    db.prisma.client.findMany({ where: prefixRange('clientId', q), select: CLIENT_SELECT, orderBy: { clientId: 'asc' }, take }),
    db.prisma.client.findMany({ where: prefixRange('name', q), select: CLIENT_SELECT, orderBy: { name: 'asc' }, take }),
    capital === q ? [] : db.prisma.client.findMany({ where: prefixRange('name', capital), select: CLIENT_SELECT, orderBy: { name: 'asc' }, take }),
    db.prisma.team.findMany({ where: prefixRange('name', q), select: { id: true, name: true }, orderBy: { name: 'asc' }, take }),
    capital === q ? [] : db.prisma.team.findMany({ where: prefixRange('name', capital), select: { id: true, name: true }, orderBy: { name: 'asc' }, take }),
  ]);
  const users = uniqueBy([...byEmail, ...byUsername], (u) => u.id).slice(0, take);
  const clients = uniqueBy([...byClientId, ...byName, ...byCapName], (c) => c.id).slice(0, take);
  const teamList = uniqueBy([...teams, ...teamsCap], (t) => t.id).slice(0, take);
  for (const u of users) drivers.push({ driver: { kind: 'owner', owner: 'user', id: u.id } });
  for (const c of clients) drivers.push({ driver: { kind: 'owner', owner: 'client', id: c.id } });
  for (const t of teamList) drivers.push({ driver: { kind: 'owner', owner: 'team', id: t.id } });
  described.push(...users.map((u) => u.email), ...clients.map((c) => `${c.name} (${c.clientId})`), ...teamList.map((t) => `team ${t.name}`));
  return { drivers, described };
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

// ---------------------------------------------------------------------------
// Rows from the database → list rows.

type RawRow = {
  type: TokenType;
  id: string;
  createdAt: unknown;
  expiresAt: unknown;
  revokedAt: unknown;
  rotatedAt: unknown;
  revokedReason: string | null;
  lastUsedAt: unknown;
  userId: string | null;
  clientId: string | null;
  teamId: string | null;
  grantId: string | null;
  familyId: string | null;
  detail: string | null;
  prefix: string | null;
  scope: string | null;
  live: unknown;
  jkt: string | null;
};

/** Raw queries bypass Prisma's typing: SQLite may hand back ISO text, PostgreSQL a Date. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const text = String(value);
  // CURRENT_TIMESTAMP defaults are UTC without a zone.
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

function statusOf(r: RawRow, now: Date): TokenStatus {
  if (r.type === 'team') return Number(r.live) === 1 ? 'active' : 'revoked';
  if (r.revokedReason === 'reuse') return 'reused';
  if (r.revokedAt !== null) return 'revoked';
  if (r.type === 'refresh' && r.rotatedAt !== null) return 'rotated';
  const expiresAt = toDate(r.expiresAt);
  if (expiresAt && expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

type Key = { at: number; id: string; rank: number };
const keyOf = (r: RawRow): Key => ({ at: toDate(r.createdAt)!.getTime(), id: r.id, rank: TOKEN_TYPES.indexOf(r.type) });
/** > 0 when a comes before b in the list (newer). */
function compareKeys(a: Key, b: Key): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.rank - b.rank;
}

function encodeKey(key: Key): string {
  return encodeCursor({ value: `${new Date(key.at).toISOString()}|${key.rank}`, id: key.id });
}

function decodeKey(raw: string | undefined): CursorKey | undefined {
  const cursor = decodeCursor(raw);
  if (!cursor) return undefined;
  const [iso, rank] = cursor.value.split('|');
  const at = new Date(iso);
  const r = Number(rank);
  if (Number.isNaN(at.getTime()) || !Number.isInteger(r) || r < 0 || r >= TOKEN_TYPES.length) return undefined;
  return { at, id: cursor.id, rank: r };
}

// ---------------------------------------------------------------------------

const EMPTY_RESOLVED: TokenListPage['resolved'] = { user: null, clients: [], team: null, search: [] };

export async function listTokens(
  db: Db,
  filter: TokenFilter,
  page: { after?: string; limit?: number; budget?: number } = {},
  now = new Date(),
): Promise<TokenListPage> {
  const limit = Math.min(Math.max(page.limit ?? PAGE_SIZE, 1), 100);
  const budget = Math.max(page.budget ?? SCAN_BUDGET, limit + 1);
  const after = decodeKey(page.after);

  // Filters name one owner each; resolve them with unique look-ups.
  const resolved: TokenListPage['resolved'] = { ...EMPTY_RESOLVED, clients: [], search: [] };
  const unresolved: TokenListPage['unresolved'] = [];
  const [user, clients, team] = await Promise.all([
    filter.user ? resolveUser(db, filter.user) : null,
    filter.client ? resolveClients(db, filter.client) : [],
    filter.team ? resolveTeam(db, filter.team) : null,
  ]);
  if (filter.user && !user) unresolved.push('user');
  if (filter.client && !clients.length) unresolved.push('client');
  if (filter.team && !team) unresolved.push('team');
  resolved.user = user;
  resolved.clients = clients;
  resolved.team = team;
  if (unresolved.length) return { rows: [], next: null, partial: false, resolved, unresolved };

  let types: TokenType[] = filter.type ? [filter.type] : [...TOKEN_TYPES];
  if (filter.status) types = types.filter((t) => STATUSES_OF[t].includes(filter.status!));
  if (user) types = types.filter((t) => TYPES_OF_OWNER.user.includes(t));
  if (clients.length) types = types.filter((t) => TYPES_OF_OWNER.client.includes(t));
  if (team) types = types.filter((t) => TYPES_OF_OWNER.team.includes(t));

  let drivers: { driver: Driver; types?: TokenType[] }[];
  if (filter.q) {
    const search = await resolveSearch(db, filter.q);
    drivers = search.drivers;
    resolved.search = search.described;
  } else if (user) {
    drivers = [{ driver: { kind: 'owner', owner: 'user', id: user.id } }];
  } else if (team) {
    drivers = [{ driver: { kind: 'owner', owner: 'team', id: team.id } }];
  } else if (clients.length) {
    drivers = clients.map((c) => ({ driver: { kind: 'owner', owner: 'client', id: c.id } as Driver }));
  } else {
    drivers = [{ driver: { kind: 'all' } }];
  }
  await markSmallClients(db, drivers.map((d) => d.driver));

  const residuals: Residuals = { userId: user?.id, clientIds: clients.length ? clients.map((c) => c.id) : undefined, teamId: team?.id, status: filter.status, now };
  const legs: Leg[] = [];
  for (const { driver, types: only } of drivers) {
    for (const type of types) {
      if (only && !only.includes(type)) continue;
      if (driver.kind === 'owner' && !TYPES_OF_OWNER[driver.owner].includes(type)) continue;
      const leg = planLeg(type, driver, residuals, after);
      if (leg) legs.push(leg);
    }
  }
  if (!legs.length) return { rows: [], next: null, partial: false, resolved, unresolved };

  // First, where each budgeted leg stops (index-only scans); then every leg's
  // rows down to there, in one statement.
  const frontiers = new Map<number, { at: Date; id: string }>();
  const withBudget = legs.map((leg, i) => [leg, i] as const).filter(([leg]) => budgeted(leg));
  if (withBudget.length) {
    const statement = join(withBudget.map(([leg, i]) => sql`SELECT * FROM (${frontierSql(leg, i, budget)}) ${raw(`b${i}`)}`), ' UNION ALL ');
    for (const row of await db.prisma.$queryRaw<{ leg: unknown; at: unknown; id: string }[]>(statement)) {
      frontiers.set(Number(row.leg), { at: toDate(row.at)!, id: row.id });
    }
  }
  const statement = join(legs.map((leg, i) => sql`SELECT * FROM (${legSql(leg, frontiers.get(i), limit + 1)}) ${raw(`l${i}`)}`), ' UNION ALL ');
  const rawRows = await db.prisma.$queryRaw<RawRow[]>(statement);
  const frontierKeys = [...frontiers.entries()].map(([i, f]) => ({ at: f.at.getTime(), id: f.id, rank: TOKEN_TYPES.indexOf(legs[i].type) }));
  return {
    ...(await mergeLegs(db, rawRows, frontierKeys, limit, now)),
    resolved,
    unresolved,
  };
}

/** Refresh tokens of a client with few grants are read through those grants; of a big one, by scanning. */
async function markSmallClients(db: Db, drivers: Driver[]): Promise<void> {
  for (const d of drivers) {
    if (d.kind !== 'owner' || d.owner !== 'client') continue;
    // An index-only count that stops at the threshold.
    const [row] = await db.prisma.$queryRaw<{ n: unknown }[]>(
      sql`SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "Grant" WHERE "clientId" = ${d.id} LIMIT ${SMALL_CLIENT_GRANTS + 1}) c`,
    );
    d.clientGrantsSmall = Number(row.n) <= SMALL_CLIENT_GRANTS;
  }
}

async function mergeLegs(db: Db, rawRows: RawRow[], frontiers: Key[], limit: number, now: Date): Promise<Pick<TokenListPage, 'rows' | 'next' | 'partial'>> {
  // Every leg is complete down to its frontier (or its (limit+1)th row); the
  // page may only hold rows above the highest such bound, or it could skip rows
  // another leg has not read yet.
  const bound = frontiers.reduce<Key | null>((max, k) => (!max || compareKeys(k, max) > 0 ? k : max), null);
  const seen = new Set<string>();
  const candidates = rawRows
    .filter((r) => (seen.has(`${r.type}:${r.id}`) ? false : (seen.add(`${r.type}:${r.id}`), true)))
    .map((r) => ({ r, key: keyOf(r) }))
    .filter((c) => !bound || compareKeys(c.key, bound) >= 0)
    .sort((a, b) => compareKeys(b.key, a.key));
  const pageRows = candidates.slice(0, limit);
  let next: string | null = null;
  let partial = false;
  if (candidates.length > limit) next = encodeKey(pageRows[pageRows.length - 1].key);
  else if (bound) {
    next = encodeKey(bound);
    partial = true;
  }
  return { rows: await hydrate(db, pageRows.map((c) => c.r), now), next, partial };
}

/** Names for the page's users, clients and teams, and reuse history for its refresh families. */
async function hydrate(db: Db, rows: RawRow[], now: Date): Promise<TokenListRow[]> {
  const ids = (pick: (r: RawRow) => string | null) => [...new Set(rows.map(pick).filter((v): v is string => Boolean(v)))];
  const familyIds = ids((r) => (r.type === 'refresh' ? r.familyId : null));
  const [users, clients, teams, reuseEvents] = await Promise.all([
    db.prisma.user.findMany({ where: { id: { in: ids((r) => r.userId) } }, select: { id: true, email: true } }),
    db.prisma.client.findMany({ where: { id: { in: ids((r) => r.clientId) } }, select: CLIENT_SELECT }),
    db.prisma.team.findMany({ where: { id: { in: ids((r) => r.teamId) } }, select: { id: true, name: true, active: true } }),
    familyIds.length
      ? db.prisma.auditEvent.findMany({
          where: { targetType: 'refresh_family', targetId: { in: familyIds }, action: 'oauth.refresh_reused' },
          select: { targetId: true, at: true, details: true },
          take: 1000,
        })
      : [],
  ]);
  const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, x]));
  const userMap = byId(users);
  const clientMap = byId(clients);
  const teamMap = byId(teams);
  const reuse = new Map<string, { graceRetries: number; lastRetryAt: Date | null; familyRevoked: boolean }>();
  for (const e of reuseEvents) {
    const entry = reuse.get(e.targetId!) ?? { graceRetries: 0, lastRetryAt: null, familyRevoked: false };
    const outcome = (JSON.parse(e.details) as { outcome?: string }).outcome;
    if (outcome === 'grace_retry') {
      entry.graceRetries++;
      if (!entry.lastRetryAt || e.at > entry.lastRetryAt) entry.lastRetryAt = e.at;
    } else if (outcome === 'family_revoked') entry.familyRevoked = true;
    reuse.set(e.targetId!, entry);
  }
  return rows.map((r) => ({
    type: r.type,
    id: r.id,
    createdAt: toDate(r.createdAt)!,
    status: statusOf(r, now),
    expiresAt: toDate(r.expiresAt),
    revokedAt: toDate(r.revokedAt),
    rotatedAt: toDate(r.rotatedAt),
    lastUsedAt: toDate(r.lastUsedAt),
    revokedReason: r.revokedReason,
    detail: r.detail,
    prefix: r.prefix,
    scope: splitScope(r.scope ?? ''),
    grantId: r.grantId,
    familyId: r.familyId,
    keyBound: r.jkt !== null,
    user: r.userId ? (userMap.get(r.userId) ?? { id: r.userId, email: r.userId }) : null,
    client: r.clientId ? (clientMap.get(r.clientId) ?? null) : null,
    team: r.teamId ? (teamMap.get(r.teamId) ?? null) : null,
    reuse:
      r.type === 'refresh'
        ? { ...(reuse.get(r.familyId!) ?? { graceRetries: 0, lastRetryAt: null, familyRevoked: false }), ...(r.revokedReason === 'reuse' ? { familyRevoked: true } : {}) }
        : null,
  }));
}

/** A cursor that starts the list just after `at` (a "jump to date"; also how the benchmark reaches deep pages). */
export function tokenCursorAt(at: Date): string {
  return encodeKey({ at: at.getTime(), id: '', rank: TOKEN_TYPES.length - 1 });
}

/** The one user, client or team a bulk revocation names; null when none, or several, match. */
export async function resolveOwner(db: Db, owner: Owner, input: string): Promise<{ id: string; label: string } | null> {
  if (owner === 'user') {
    const user = await resolveUser(db, input);
    return user && { id: user.id, label: user.email };
  }
  if (owner === 'team') {
    const team = await resolveTeam(db, input);
    return team && { id: team.id, label: `team ${team.name}` };
  }
  const clients = await resolveClients(db, input);
  return clients.length === 1 ? { id: clients[0].id, label: `${clients[0].name} (${clients[0].clientId})` } : null;
}
