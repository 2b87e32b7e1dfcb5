// next-auth configuration (SPEC §5): JWT sessions in the cookie that
// session-token.ts describes.
import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import { getAppContext } from '../context.ts';
import { SESSION_MAX_AGE_SECONDS, sessionCookieName, sessionCookieOptions, sessionSecret } from './session-token.ts';

export function authOptions(): NextAuthOptions {
  const { config, secret } = getAppContext();
  return {
    secret: sessionSecret(secret),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    cookies: {
      sessionToken: { name: sessionCookieName(config.issuer), options: sessionCookieOptions(config.issuer) },
    },
    providers: [],
    callbacks: {
      session({ session, token }) {
        return { ...session, user: { id: token.sub, email: token.email, name: token.name } };
      },
    },
  };
}
