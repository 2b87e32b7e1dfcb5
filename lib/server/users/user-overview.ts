// Everything the admin's user page shows: profile, teams, live grants and
// personal tokens, and how many access tokens are live.
import type { Db } from '../db/client.ts';
import { listActiveGrantsOfUser, type UserGrantView } from '../db/grants.ts';
import { listLivePersonalTokensOfUser, type PersonalTokenView } from '../db/personal-tokens.ts';
import { listTeamsOfUser } from '../db/teams.ts';
import { countLiveAccessTokensOfUser, findUserById, type User } from '../db/users.ts';

export type UserOverview = {
  user: User;
  teams: Awaited<ReturnType<typeof listTeamsOfUser>>;
  grants: UserGrantView[];
  personalTokens: PersonalTokenView[];
  liveAccessTokens: number;
};

export async function getUserOverview(db: Db, userId: string, now = new Date()): Promise<UserOverview | null> {
  const user = await findUserById(db, userId);
  if (!user) return null;
  const [teams, grants, personalTokens, liveAccessTokens] = await Promise.all([
    listTeamsOfUser(db, userId),
    listActiveGrantsOfUser(db, userId),
    listLivePersonalTokensOfUser(db, userId, now),
    countLiveAccessTokensOfUser(db, userId, now),
  ]);
  return { user, teams, grants, personalTokens, liveAccessTokens };
}
