// Counts for the admin dashboard.
import type { Db } from './client.ts';

export type DashboardCounts = { users: number; clients: number; activeGrants: number; personalTokens: number; teams: number; signingKeys: number };

export async function countEverything(db: Db, now = new Date()): Promise<DashboardCounts> {
  const p = db.prisma;
  const [users, clients, activeGrants, personalTokens, teams, signingKeys] = await Promise.all([
    p.user.count(),
    p.client.count({ where: { disabled: false } }),
    p.grant.count({ where: { revokedAt: null } }),
    p.personalToken.count({ where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
    p.team.count({ where: { active: true } }),
    p.signingKey.count({ where: { status: { in: ['active', 'retiring', 'pending'] } } }),
  ]);
  return { users, clients, activeGrants, personalTokens, teams, signingKeys };
}
