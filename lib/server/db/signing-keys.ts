// Signing keys: the public JWK in clear, the private JWK sealed.
// Lifecycle: pending (published, not signing) → active (the signer) → retiring
// (published, no longer signing) → retired (gone from JWKS). Every transition is
// one transaction with its audit event.
import { auditEventData, type AuditActor, type AuditInput } from './audit.ts';
import type { Db } from './client.ts';

export type SigningKeyStatus = 'pending' | 'active' | 'retiring' | 'retired';

export type StoredSigningKey = {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateKeyEnc: string;
  status: SigningKeyStatus;
  createdAt: Date;
  activatedAt: Date | null;
  retiringAt: Date | null;
  retiredAt: Date | null;
};

export type NewSigningKey = { kid: string; alg: string; publicJwk: Record<string, unknown>; privateKeyEnc: string };

type Row = Awaited<ReturnType<Db['prisma']['signingKey']['findUniqueOrThrow']>>;

function toKey(row: Row): StoredSigningKey {
  return { ...row, publicJwk: JSON.parse(row.publicJwk), status: row.status as SigningKeyStatus };
}

export async function listSigningKeys(db: Db): Promise<StoredSigningKey[]> {
  const rows = await db.prisma.signingKey.findMany({ orderBy: [{ createdAt: 'desc' }, { kid: 'asc' }] });
  return rows.map(toKey);
}

export async function countLiveAccessTokensByKid(db: Db, at = new Date()): Promise<Map<string, number>> {
  const rows = await db.prisma.accessToken.groupBy({
    by: ['kid'],
    where: { expiresAt: { gt: at }, revokedAt: null },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.kid, r._count._all]));
}

/**
 * Makes `key` the one active signer at once: the previous active key becomes
 * retiring (still published, no longer used to sign). One transaction.
 */
export async function insertActiveSigningKey(db: Db, key: NewSigningKey, audit: Omit<AuditInput, 'target'>, at = new Date()): Promise<string[]> {
  return db.prisma.$transaction(async (tx) => {
    const previous = await tx.signingKey.findMany({ where: { status: 'active' }, select: { kid: true } });
    await tx.signingKey.updateMany({ where: { status: 'active' }, data: { status: 'retiring', retiringAt: at } });
    await tx.signingKey.create({ data: { ...key, publicJwk: JSON.stringify(key.publicJwk), status: 'active', createdAt: at, activatedAt: at } });
    const retiring = previous.map((k) => k.kid);
    await tx.auditEvent.create({ data: auditEventData({ ...audit, target: { type: 'signing_key', id: key.kid }, details: { ...audit.details, retiring } }, at) });
    return retiring;
  });
}

/** First stage of a rotation: the key is published in JWKS but does not sign. Refused while another key is pending. */
export async function insertPendingSigningKey(db: Db, key: NewSigningKey, actor: AuditActor, at = new Date()): Promise<'published' | 'pending_exists'> {
  return db.prisma.$transaction(async (tx) => {
    if (await tx.signingKey.count({ where: { status: 'pending' } })) return 'pending_exists';
    await tx.signingKey.create({ data: { ...key, publicJwk: JSON.stringify(key.publicJwk), status: 'pending', createdAt: at } });
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'signing_key.published', target: { type: 'signing_key', id: key.kid } }, at) });
    return 'published';
  });
}

/** Second stage: a pending key becomes the signer; the active one becomes retiring as of `at`. */
export async function promotePendingSigningKey(db: Db, kid: string, actor: AuditActor, at = new Date()): Promise<{ ok: true; retiring: string[] } | { ok: false }> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.signingKey.updateMany({ where: { kid, status: 'pending' }, data: { status: 'active', activatedAt: at } });
    if (count === 0) return { ok: false as const };
    const previous = await tx.signingKey.findMany({ where: { status: 'active', kid: { not: kid } }, select: { kid: true } });
    await tx.signingKey.updateMany({ where: { status: 'active', kid: { not: kid } }, data: { status: 'retiring', retiringAt: at } });
    const retiring = previous.map((k) => k.kid);
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'signing_key.activated', target: { type: 'signing_key', id: kid }, details: { retiring } }, at) });
    return { ok: true as const, retiring };
  });
}

/**
 * Retires one key now, whatever its age: a retiring key (tokens it signed stop
 * verifying) or a pending one that is abandoned. Never the active signer.
 */
export async function retireSigningKey(db: Db, kid: string, actor: AuditActor, details: Record<string, unknown>, at = new Date()): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.signingKey.updateMany({ where: { kid, status: { in: ['retiring', 'pending'] } }, data: { status: 'retired', retiredAt: at } });
    if (count === 0) return false;
    await tx.auditEvent.create({ data: auditEventData({ actor, action: 'signing_key.retired', target: { type: 'signing_key', id: kid }, details }, at) });
    return true;
  });
}

/** Retires retiring keys that stopped signing at or before `cutoff`; returns their kids. */
export async function retireSigningKeysBefore(db: Db, cutoff: Date, actor: AuditActor, at = new Date()): Promise<string[]> {
  return db.prisma.$transaction(async (tx) => {
    const due = await tx.signingKey.findMany({ where: { status: 'retiring', retiringAt: { lte: cutoff } }, select: { kid: true } });
    const retired: string[] = [];
    for (const { kid } of due) {
      // Conditional: another instance sweeping at the same time retires each key once.
      const { count } = await tx.signingKey.updateMany({ where: { kid, status: 'retiring' }, data: { status: 'retired', retiredAt: at } });
      if (count === 0) continue;
      await tx.auditEvent.create({ data: auditEventData({ actor, action: 'signing_key.retired', target: { type: 'signing_key', id: kid }, details: { reason: 'lifetime_passed' } }, at) });
      retired.push(kid);
    }
    return retired;
  });
}
