// The team token: opaque `gh_team_…`, 256 random bits, stored as
// a SHA-256 hash with a short prefix, shown once. Issuing over an existing
// token rotates it: the team gets a new active jti and hash in one write, so
// the previous token introspects as inactive from that moment.
import { randomUUID } from 'node:crypto';
import { hashToken, randomToken } from '../../crypto.ts';
import { TEAM_TOKEN_PREFIX } from '../../oauth/introspection.ts';
import { adminActor, done, refused, type TActionResult } from '../action-result.ts';
import type { Db } from '../db/client.ts';
import { replaceTeamToken, revokeTeamToken } from '../db/teams.ts';
import type { User } from '../db/users.ts';

type Admin = Pick<User, 'id' | 'email'>;

export type TIssueTeamTokenResult = TActionResult & { token?: string };

export async function issueTeamToken(db: Db, admin: Admin, teamId: string): Promise<TIssueTeamTokenResult> {
  const token = randomToken(TEAM_TOKEN_PREFIX);
  const outcome = await replaceTeamToken(db, teamId, { jti: randomUUID(), tokenHash: hashToken(token), prefix: token.slice(0, TEAM_TOKEN_PREFIX.length + 6) }, adminActor(admin));
  switch (outcome) {
    case 'issued':
      return { ok: true, message: 'Team token issued.', token };
    case 'rotated':
      return { ok: true, message: 'Team token rotated; the previous token no longer works.', token };
    case 'conflict':
      return refused('The token was changed by someone else meanwhile. Reload and try again.');
    case 'not_found':
      return refused('That team could not be found.');
  }
}

export async function revokeTeamTokenByAdmin(db: Db, admin: Admin, teamId: string): Promise<TActionResult> {
  return (await revokeTeamToken(db, teamId, adminActor(admin))) ? done('Team token revoked; it no longer works.') : refused('The team has no token to revoke.');
}
