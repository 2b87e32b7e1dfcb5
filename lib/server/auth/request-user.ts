// The signed-in user of a raw node:http request (for the lean protocol paths),
// read from the same session cookie next-auth uses.
import type { IncomingMessage } from 'node:http';
import type { AppContext } from '../context.ts';
import { findUserById, type User } from '../db/users.ts';
import { parseCookies } from '../runtime/cookies.ts';
import { decodeSessionToken, sessionCookieName } from './session-token.ts';

export async function userOfRequest(req: IncomingMessage, app: AppContext): Promise<User | null> {
  const token = parseCookies(req.headers.cookie).get(sessionCookieName(app.config.issuer));
  if (!token) return null;
  const session = await decodeSessionToken(token, app.secret);
  if (!session?.sub) return null;
  const user = await findUserById(app.db, session.sub);
  return user && !user.disabled ? user : null;
}
