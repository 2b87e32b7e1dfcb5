// Who is signed in, for pages, route handlers and server actions. The session
// only names the user; the database decides whether they still may act.
import 'server-only';
import { getServerSession } from 'next-auth';
import { cookies } from 'next/headers';
import { forbidden, unauthorized } from 'next/navigation';
import { cache } from 'react';
import { getAppContext } from '../context.ts';
import { findUserById, type User } from '../db/users.ts';
import { csrfTokenFor } from './csrf.ts';
import { authOptions } from './options.ts';
import { sessionCookieName } from './session-token.ts';

export const getCurrentUser = cache(async (): Promise<User | null> => {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const user = await findUserById(getAppContext().db, id);
  return user && !user.disabled ? user : null;
});

export async function requireUser(): Promise<User> {
  const user = await getCurrentUser();
  if (!user) unauthorized();
  return user;
}

/** For every admin page, data read and server action — not only the layout. */
export async function requireAdmin(): Promise<User> {
  const user = await requireUser();
  if (!user.isAdmin) forbidden();
  return user;
}

/** The CSRF token for this session's sign-out form, or null without a session cookie. */
export async function getSignOutCsrfToken(): Promise<string | null> {
  const { config, secret } = getAppContext();
  const cookie = (await cookies()).get(sessionCookieName(config.issuer))?.value;
  return cookie ? csrfTokenFor(secret, cookie) : null;
}
