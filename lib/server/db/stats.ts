// Counts for the admin dashboard.
import type { Db } from './client.ts';

export type DashboardCounts = {
  users: number;
  clients: number;
  activeGrants: number;
  /** Tokens that would be accepted now, by kind. */
  liveTokens: { access: number; refresh: number; personal: number; team: number; total: number };
  teams: number;
  signingKeys: number;
};

export async function countEverything(db: Db, now = new Date()): Promise<DashboardCounts> {
  const p = db.prisma;
  const [users, clients, activeGrants, access, refresh, personal, team, teams, signingKeys] = await Promise.all([
    p.user.count(),
    p.client.count({ where: { disabled: false } }),
    p.grant.count({ where: { revokedAt: null } }),
    p.accessToken.count({ where: { revokedAt: null, expiresAt: { gt: now } } }),
    // A rotated refresh token is spent (a retry within the grace window aside).
    p.refreshToken.count({ where: { revokedAt: null, rotatedAt: null, expiresAt: { gt: now } } }),
    p.personalToken.count({ where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
    p.team.count({ where: { active: true, tokenHash: { not: null } } }),
    p.team.count({ where: { active: true } }),
    p.signingKey.count({ where: { status: { in: ['active', 'retiring', 'pending'] } } }),
  ]);
  return {
    users,
    clients,
    activeGrants,
    liveTokens: { access, refresh, personal, team, total: access + refresh + personal + team },
    teams,
    signingKeys,
  };
}
