// OAuth clients: the one mapping between Client rows and the
// protocol core's OAuthClient, used by the OAuth store and by admin use-cases;
// and the admin console's reads and changes, each change audited in its own
// transaction.
import type { ClientSource, NewClientRecord, OAuthClient, TokenEndpointAuthMethod } from '../../oauth/ports.ts';
import { auditEventData, type AuditActor, type AuditInput } from './audit.ts';
import type { Db } from './client.ts';
import { parseList, parseObject } from './columns.ts';
import { decodeCursor, encodeCursor } from './keyset.ts';
import type { Prisma as PrismaNs } from './generated/sqlite/client.ts';

type Row = Awaited<ReturnType<Db['prisma']['client']['findUniqueOrThrow']>>;
type Tx = PrismaNs.TransactionClient;
type ClientWhere = PrismaNs.ClientWhereInput;

export type NewClient = NewClientRecord & { createdBy?: string | null };

export function toClient(row: Row): OAuthClient {
  return {
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    secretHash: row.secretHash,
    redirectUris: parseList(row.redirectUris, 'Client.redirectUris'),
    grantTypes: parseList(row.grantTypes, 'Client.grantTypes'),
    responseTypes: parseList(row.responseTypes, 'Client.responseTypes'),
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    scope: row.scope,
    logoUri: row.logoUri,
    clientUri: row.clientUri,
    applicationType: row.applicationType,
    metadata: parseObject(row.metadata, 'Client.metadata'),
    source: row.source as ClientSource,
    registrationAccessTokenHash: row.registrationAccessTokenHash,
    canIntrospect: row.canIntrospect,
    disabled: row.disabled,
    approvedAt: row.approvedAt,
    jwks: row.jwks === null ? null : (parseObject(row.jwks, 'Client.jwks') as OAuthClient['jwks']),
    jwksUri: row.jwksUri,
    createdAt: row.createdAt,
  };
}

/** Inserts a client; with `audit`, its event is written in the same transaction. */
export async function insertClient(db: Db, input: NewClient, audit?: AuditInput): Promise<OAuthClient> {
  const create = db.prisma.client.create({
    data: {
      ...input,
      createdBy: input.createdBy ?? null,
      redirectUris: JSON.stringify(input.redirectUris),
      grantTypes: JSON.stringify(input.grantTypes),
      responseTypes: JSON.stringify(input.responseTypes),
      metadata: JSON.stringify(input.metadata),
      jwks: input.jwks ? JSON.stringify(input.jwks) : null,
    },
  });
  if (!audit) return toClient(await create);
  const [row] = await db.prisma.$transaction([create, db.prisma.auditEvent.create({ data: auditEventData(audit) })]);
  return toClient(row);
}

export async function findClientRowById(db: Db, id: string): Promise<OAuthClient | null> {
  const row = await db.prisma.client.findUnique({ where: { id } });
  return row && toClient(row);
}

export async function findClientByClientId(db: Db, clientId: string): Promise<OAuthClient | null> {
  const row = await db.prisma.client.findUnique({ where: { clientId } });
  return row && toClient(row);
}

// ---------------------------------------------------------------------------
// The admin list: keyset-paged, newest first

/** `pending`: self-registered and not approved by an admin (lib/oauth/client-trust.ts). */
export type ClientStatus = 'active' | 'disabled' | 'pending';

export type ClientListFilter = {
  /** Part of the name or of the client_id. */
  q?: string;
  source?: ClientSource;
  status?: ClientStatus;
  /** A re-registration group (groupKey of a row): the clients sharing its name and redirect URIs. */
  group?: string;
};

export type ClientListRow = {
  id: string;
  clientId: string;
  name: string;
  source: ClientSource;
  confidential: boolean;
  disabled: boolean;
  approvedAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  activeGrants: number;
  /** Clients (this one included) with the same name and redirect URIs: an MCP client registering again and again. */
  groupSize: number;
  /** Names that group in a URL; it stays valid when any of its clients is deleted. */
  groupKey: string;
};

export type ClientPage = { rows: ClientListRow[]; next: string | null };

/** `contains`, case-insensitive on both databases (SQLite's LIKE already is, for ASCII). */
function containsText(db: Db, q: string) {
  return (db.provider === 'postgresql' ? { contains: q, mode: 'insensitive' } : { contains: q }) as { contains: string };
}

export async function listClientsPage(db: Db, filter: ClientListFilter, page: { after?: string; limit?: number } = {}): Promise<ClientPage> {
  const limit = Math.min(Math.max(page.limit ?? 25, 1), 100);
  const and: ClientWhere[] = [];
  if (filter.q) and.push({ OR: [{ name: containsText(db, filter.q) }, { clientId: containsText(db, filter.q) }] });
  if (filter.source) and.push({ source: filter.source });
  if (filter.status === 'pending') and.push({ source: { not: 'admin' }, approvedAt: null });
  else if (filter.status) and.push({ disabled: filter.status === 'disabled' });
  if (filter.group) {
    const group = decodeGroupKey(filter.group);
    if (!group) return { rows: [], next: null };
    and.push({ name: group.name, redirectUris: group.redirectUris });
  }
  const cursor = decodeCursor(page.after);
  const at = cursor ? new Date(cursor.value) : null;
  if (cursor && at && !Number.isNaN(at.getTime())) and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: cursor.id } }] });
  const rows = await db.prisma.client.findMany({
    where: { AND: and },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    select: { id: true, clientId: true, name: true, source: true, tokenEndpointAuthMethod: true, disabled: true, approvedAt: true, createdAt: true, lastUsedAt: true, redirectUris: true },
  });
  const shown = rows.slice(0, limit);
  const [grants, groups] = await Promise.all([activeGrantCounts(db, shown.map((r) => r.id)), groupSizes(db, shown)]);
  const last = shown.at(-1);
  return {
    rows: shown.map((r) => ({
      id: r.id,
      clientId: r.clientId,
      name: r.name,
      source: r.source as ClientSource,
      confidential: r.tokenEndpointAuthMethod !== 'none',
      disabled: r.disabled,
      approvedAt: r.approvedAt,
      createdAt: r.createdAt,
      lastUsedAt: r.lastUsedAt,
      activeGrants: grants.get(r.id) ?? 0,
      groupSize: groups.get(groupKey(r)) ?? 1,
      groupKey: encodeGroupKey(r),
    })),
    next: rows.length > limit && last ? encodeCursor({ value: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

/** Self-registered clients no admin has approved (the list's `pending` filter). */
export async function countPendingClients(db: Db): Promise<number> {
  return db.prisma.client.count({ where: { source: { not: 'admin' }, approvedAt: null } });
}

const groupKey = (r: { name: string; redirectUris: string }) => `${r.name}\u0000${r.redirectUris}`;

/** A group as it goes into a URL: its name and redirect URIs (as stored), base64url JSON. */
export function encodeGroupKey(r: { name: string; redirectUris: string }): string {
  return Buffer.from(JSON.stringify([r.name, r.redirectUris])).toString('base64url');
}

export function decodeGroupKey(key: string): { name: string; redirectUris: string } | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(key, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((v) => typeof v === 'string')) return null;
    return { name: parsed[0] as string, redirectUris: parsed[1] as string };
  } catch {
    return null;
  }
}

async function activeGrantCounts(db: Db, clientIds: string[]): Promise<Map<string, number>> {
  if (clientIds.length === 0) return new Map();
  const counts = await db.prisma.grant.groupBy({ by: ['clientId'], where: { clientId: { in: clientIds }, revokedAt: null }, _count: { _all: true } });
  return new Map(counts.map((c) => [c.clientId, c._count._all]));
}

/** One grouped query over the page's names (indexed), matched on name and redirect URIs. */
async function groupSizes(db: Db, rows: Array<{ name: string; redirectUris: string }>): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const counts = await db.prisma.client.groupBy({
    by: ['name', 'redirectUris'],
    where: { name: { in: [...new Set(rows.map((r) => r.name))] } },
    _count: { _all: true },
  });
  return new Map(counts.map((c) => [groupKey(c), c._count._all]));
}

// ---------------------------------------------------------------------------
// One client

export type ClientDetails = {
  id: string;
  clientId: string;
  name: string;
  source: ClientSource;
  confidential: boolean;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** private_key_jwt: the pasted public keys, or where the client publishes them. */
  jwks: OAuthClient['jwks'];
  jwksUri: string | null;
  redirectUris: string[];
  grantTypes: string[];
  scope: string;
  canIntrospect: boolean;
  /** RFC 9449 §5.2 dpop_bound_access_tokens, from the client's metadata. */
  dpopBound: boolean;
  disabled: boolean;
  approvedAt: Date | null;
  /** The approving admin's email (or id, if the user is gone). */
  approvedBy: string | null;
  logoUri: string | null;
  clientUri: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
  secretRotatedAt: Date | null;
  activeGrants: number;
  groupSize: number;
  groupKey: string;
};

export async function getClientDetails(db: Db, id: string): Promise<ClientDetails | null> {
  const row = await db.prisma.client.findUnique({ where: { id } });
  if (!row) return null;
  const emailOf = (userId: string | null) => (userId ? db.prisma.user.findUnique({ where: { id: userId }, select: { email: true } }) : null);
  const [activeGrants, groupSize, creator, approver] = await Promise.all([
    db.prisma.grant.count({ where: { clientId: id, revokedAt: null } }),
    db.prisma.client.count({ where: { name: row.name, redirectUris: row.redirectUris } }),
    // createdBy holds a user id when an admin made it, else a label such as "cli".
    emailOf(row.createdBy),
    emailOf(row.approvedAt ? row.approvedBy : null),
  ]);
  const client = toClient(row);
  return {
    id: client.id,
    clientId: client.clientId,
    name: client.name,
    source: client.source,
    confidential: client.tokenEndpointAuthMethod !== 'none',
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    jwks: client.jwks,
    jwksUri: client.jwksUri,
    redirectUris: client.redirectUris,
    grantTypes: client.grantTypes,
    scope: client.scope,
    canIntrospect: client.canIntrospect,
    dpopBound: client.metadata.dpop_bound_access_tokens === true,
    disabled: client.disabled,
    approvedAt: row.approvedAt,
    approvedBy: row.approvedAt ? (approver?.email ?? row.approvedBy) : null,
    logoUri: client.logoUri,
    clientUri: client.clientUri,
    createdBy: creator?.email ?? row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastUsedAt: row.lastUsedAt,
    secretRotatedAt: row.secretRotatedAt,
    activeGrants,
    groupSize,
    groupKey: encodeGroupKey(row),
  };
}

export type ClientSettingsChange = {
  name: string;
  redirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  scope: string;
  canIntrospect: boolean;
  /** The client's whole metadata (it carries dpop_bound_access_tokens). */
  metadata: OAuthClient['metadata'];
};

/** Saves an operator's edit; false when the client is gone. */
export async function updateClientSettings(db: Db, id: string, change: ClientSettingsChange, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const before = await tx.client.findUnique({ where: { id } });
    if (!before) return false;
    await tx.client.update({
      where: { id },
      data: {
        name: change.name,
        redirectUris: JSON.stringify(change.redirectUris),
        grantTypes: JSON.stringify(change.grantTypes),
        responseTypes: JSON.stringify(change.responseTypes),
        scope: change.scope,
        canIntrospect: change.canIntrospect,
        metadata: JSON.stringify(change.metadata),
      },
    });
    const old = toClient(before);
    const changed = (Object.keys(change) as Array<keyof ClientSettingsChange>).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(change[k]));
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: 'client.updated', target: { type: 'client', id: before.clientId }, details: { changed, ...Object.fromEntries(changed.map((k) => [k, change[k]])) } }),
    });
    return true;
  });
}

/** Replaces a key-based client's public keys (a JWK Set or a jwks_uri, the other cleared); false when it is gone or not key-based. */
export async function replaceClientKeys(db: Db, id: string, keys: { jwks: OAuthClient['jwks']; jwksUri: string | null }, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.client.findUnique({ where: { id }, select: { clientId: true, tokenEndpointAuthMethod: true } });
    if (!row || row.tokenEndpointAuthMethod !== 'private_key_jwt') return false;
    await tx.client.update({ where: { id }, data: { jwks: keys.jwks ? JSON.stringify(keys.jwks) : null, jwksUri: keys.jwksUri } });
    const kids = keys.jwks?.keys.map((k) => k.kid ?? null);
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'client.keys_replaced', target: { type: 'client', id: row.clientId }, details: keys.jwksUri ? { jwksUri: keys.jwksUri } : { kids } }) });
    return true;
  });
}

/** Replaces a confidential client's secret hash: the old secret stops working with this commit. */
export async function replaceClientSecretHash(db: Db, id: string, secretHash: string, actor: AuditActor, at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.client.findUnique({ where: { id }, select: { clientId: true, tokenEndpointAuthMethod: true } });
    // Public and key-based (private_key_jwt) clients have no secret: none is ever made for them.
    if (!row || !row.tokenEndpointAuthMethod.startsWith('client_secret_')) return false;
    await tx.client.update({ where: { id }, data: { secretHash, secretRotatedAt: at } });
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'client.secret_rotated', target: { type: 'client', id: row.clientId } }, at) });
    return true;
  });
}

/** Disables or enables; false when the client is gone or already in that state. */
export async function setClientDisabled(db: Db, id: string, disabled: boolean, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.client.findUnique({ where: { id }, select: { clientId: true } });
    if (!row) return false;
    const { count } = await tx.client.updateMany({ where: { id, disabled: !disabled }, data: { disabled } });
    if (count === 1) {
      await tx.auditEvent.create({ data: auditEventData({ actor, action: disabled ? 'client.disabled' : 'client.enabled', target: { type: 'client', id: row.clientId } }) });
    }
    return count === 1;
  });
}

/**
 * Approves a self-registered client, or withdraws the approval; false when the
 * client is gone, made by an admin (nothing to approve), or already so.
 */
export async function setClientApproved(db: Db, id: string, approved: boolean, actor: AuditActor & { type: 'user' }, at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.client.findUnique({ where: { id }, select: { clientId: true, name: true, source: true } });
    if (!row || row.source === 'admin') return false;
    const { count } = await tx.client.updateMany({
      where: { id, approvedAt: approved ? null : { not: null } },
      data: approved ? { approvedAt: at, approvedBy: actor.id } : { approvedAt: null, approvedBy: null },
    });
    if (count === 1) {
      const action = approved ? 'client.approved' : 'client.approval_withdrawn';
      await tx.auditEvent.create({ data: auditEventData({ actor, action, target: { type: 'client', id: row.clientId }, details: { name: row.name, source: row.source } }, at) });
    }
    return count === 1;
  });
}

// ---------------------------------------------------------------------------
// Deleting

/** What deleting a client takes with it (its grants, and the tokens still live under them or issued to it). */
export type ClientDeletionImpact = { grants: number; activeGrants: number; liveRefreshTokens: number; liveAccessTokens: number };

async function deletionImpact(tx: Tx, id: string, now: Date): Promise<ClientDeletionImpact> {
  // One after another: the queries of an interactive transaction share one connection.
  const grants = await tx.grant.count({ where: { clientId: id } });
  const activeGrants = await tx.grant.count({ where: { clientId: id, revokedAt: null } });
  const liveRefreshTokens = await tx.refreshToken.count({ where: { grant: { clientId: id }, revokedAt: null, rotatedAt: null, expiresAt: { gt: now } } });
  const liveAccessTokens = await tx.accessToken.count({ where: { clientId: id, revokedAt: null, expiresAt: { gt: now } } });
  return { grants, activeGrants, liveRefreshTokens, liveAccessTokens };
}

export async function describeClientDeletion(db: Db, id: string, now = new Date()): Promise<ClientDeletionImpact> {
  return deletionImpact(db.prisma as unknown as Tx, id, now);
}

/**
 * Deletes the client; its grants, codes, refresh and access tokens go with it
 * (onDelete: Cascade). A metadata-document client would otherwise be fetched
 * and stored again on its next request, so its URL is blocked in the same
 * transaction (`blocked: true` in the answer and the audit event).
 */
export async function deleteClientById(db: Db, id: string, actor: AuditActor, now = new Date()): Promise<(ClientDeletionImpact & { blocked: boolean }) | null> {
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.client.findUnique({ where: { id }, select: { clientId: true, name: true, source: true } });
    if (!row) return null;
    const impact = await deletionImpact(tx, id, now);
    const blocked = row.source === 'metadata_document';
    await tx.client.delete({ where: { id } });
    if (blocked) {
      const block = { name: row.name, blockedAt: now, blockedBy: actor.label ?? actor.type };
      await tx.blockedClientDocument.upsert({ where: { url: row.clientId }, create: { url: row.clientId, ...block }, update: block });
    }
    await tx.auditEvent.create({
      data: auditEventData({ actor, action: 'client.deleted', target: { type: 'client', id: row.clientId }, details: { name: row.name, source: row.source, ...impact, ...(blocked ? { blocked } : {}) } }, now),
    });
    return { ...impact, blocked };
  });
}

// ---------------------------------------------------------------------------
// Blocked metadata documents

export type BlockedClientDocument = { url: string; name: string; blockedAt: Date; blockedBy: string | null };

/** The blocked document URLs, newest first (a short list: one row per deleted metadata-document client). */
export async function listBlockedClientDocuments(db: Db, limit = 100): Promise<BlockedClientDocument[]> {
  return db.prisma.blockedClientDocument.findMany({ orderBy: [{ blockedAt: 'desc' }, { url: 'asc' }], take: limit });
}

/** Lifts a block: the document is fetched again on the client's next request. False when it was not blocked. */
export async function unblockClientDocument(db: Db, url: string, actor: AuditActor): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.blockedClientDocument.deleteMany({ where: { url } });
    if (count === 1) await tx.auditEvent.create({ data: auditEventData({ actor, action: 'client.document_unblocked', target: { type: 'client', id: url } }) });
    return count === 1;
  });
}

// ---------------------------------------------------------------------------
// Pruning dynamic clients

/**
 * Dynamically registered clients nobody uses: created before `cutoff`, not
 * used since (or never), and without a live grant. Only `dynamic` clients:
 * a metadata-document client is one row per document URL (it does not pile
 * up), and its row carries the operator's `disabled` flag, which deleting it
 * would quietly lift the next time the document is fetched.
 */
function prunableWhere(cutoff: Date): ClientWhere {
  return {
    source: 'dynamic',
    createdAt: { lt: cutoff },
    OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: cutoff } }],
    grants: { none: { revokedAt: null } },
  };
}

export async function countPrunableDynamicClients(db: Db, cutoff: Date): Promise<number> {
  return db.prisma.client.count({ where: prunableWhere(cutoff) });
}

const PRUNE_BATCH = 200;

/**
 * Deletes the prunable clients in batches, each batch with its audit events
 * in one transaction. On PostgreSQL the batch's rows are locked first (FOR
 * UPDATE): a grant being created for one of them meanwhile holds a key-share
 * lock on it (its foreign key), so either that grant commits first and the
 * re-check below keeps the client, or it waits and then fails for a client
 * that is gone — a live grant is never deleted. SQLite runs one writer at a time.
 */
export async function pruneDynamicClients(db: Db, cutoff: Date, actor: AuditActor, opts: { reason: string; now?: Date } = { reason: 'manual' }): Promise<{ pruned: number }> {
  const now = opts.now ?? new Date();
  let pruned = 0;
  let lastId = '';
  for (;;) {
    const candidates = await db.prisma.client.findMany({ where: { AND: [prunableWhere(cutoff), { id: { gt: lastId } }] }, select: { id: true }, orderBy: { id: 'asc' }, take: PRUNE_BATCH });
    if (candidates.length === 0) break;
    lastId = candidates.at(-1)!.id;
    const ids = candidates.map((c) => c.id);
    pruned += await db.prisma.$transaction(async (tx) => {
      if (db.provider === 'postgresql') {
        await tx.$queryRawUnsafe(`SELECT id FROM "Client" WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')}) FOR UPDATE`, ...ids);
      }
      const still = await tx.client.findMany({ where: { AND: [prunableWhere(cutoff), { id: { in: ids } }] }, select: { id: true, clientId: true, name: true, createdAt: true, lastUsedAt: true } });
      if (still.length === 0) return 0;
      await tx.client.deleteMany({ where: { id: { in: still.map((c) => c.id) } } });
      await tx.auditEvent.createMany({
        data: still.map((c) =>
          auditEventData(
            { actor, action: 'client.pruned', target: { type: 'client', id: c.clientId }, details: { name: c.name, reason: opts.reason, createdAt: c.createdAt.toISOString(), lastUsedAt: c.lastUsedAt?.toISOString() ?? null } },
            now,
          ),
        ),
      });
      return still.length;
    }, { maxWait: 10_000, timeout: 20_000 });
    if (candidates.length < PRUNE_BATCH) break;
  }
  return { pruned };
}
