// Signing keys (SPEC §3): the public JWK in clear, the private JWK sealed.
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
 * Makes `key` the one active signer: the previous active key becomes retiring
 * (still published, no longer used to sign), in one transaction.
 */
export async function insertActiveSigningKey(
  db: Db,
  key: { kid: string; alg: string; publicJwk: Record<string, unknown>; privateKeyEnc: string },
  at = new Date(),
): Promise<void> {
  await db.prisma.$transaction([
    db.prisma.signingKey.updateMany({ where: { status: 'active' }, data: { status: 'retiring', retiringAt: at } }),
    db.prisma.signingKey.create({
      data: { ...key, publicJwk: JSON.stringify(key.publicJwk), status: 'active', createdAt: at, activatedAt: at },
    }),
  ]);
}

/** Retires retiring keys that stopped signing before `cutoff`; returns their kids. */
export async function retireSigningKeysBefore(db: Db, cutoff: Date, at = new Date()): Promise<string[]> {
  const due = await db.prisma.signingKey.findMany({ where: { status: 'retiring', retiringAt: { lte: cutoff } }, select: { kid: true } });
  if (due.length === 0) return [];
  await db.prisma.signingKey.updateMany({
    where: { kid: { in: due.map((k) => k.kid) }, status: 'retiring' },
    data: { status: 'retired', retiredAt: at },
  });
  return due.map((k) => k.kid);
}
