// next-auth configuration: JWT sessions in the cookie that
// session-token.ts describes; break-glass local login and direct OIDC sign-in
// as providers. Forward auth needs no provider: the server applies it to each
// request (lib/server/runtime/edge-identity.ts) and writes the same cookie.
import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { usernameFromEmail } from '../../identity/forward-auth.ts';
import { safeReturnTarget } from '../../identity/return-target.ts';
import { getAppContext, type AppContext } from '../context.ts';
import { rateLimiterOf } from '../http/rate-limit.ts';
import { CLIENT_ADDRESS_HEADER } from '../runtime/client-address.ts';
import { signInExternalUser } from '../users/sign-in-external-user.ts';
import { signInLocalUser } from '../users/sign-in-local-user.ts';
import { SESSION_MAX_AGE_SECONDS, sessionCookieName, sessionCookieOptions, sessionSecret, type SessionVia } from './session-token.ts';

type OidcProfile = { sub: string; email?: string; email_verified?: boolean | string; name?: string; 'cognito:groups'?: string[]; groups?: string[] };

function localProvider(app: AppContext) {
  return CredentialsProvider({
    id: 'local',
    name: 'Local administrator',
    credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
    async authorize(credentials, req) {
      if (!credentials?.email || !credentials.password) return null;
      const header = (name: string) => {
        const value = (req.headers as Record<string, string | string[] | undefined> | undefined)?.[name];
        return Array.isArray(value) ? value[0] : (value ?? null);
      };
      const outcome = await signInLocalUser(
        app.db,
        { email: credentials.email, password: credentials.password, ip: header(CLIENT_ADDRESS_HEADER), userAgent: header('user-agent') },
        // Per address, in this thread's memory or through Redis (every instance together).
        { limiter: app.config.rateLimits ? rateLimiterOf(app) : null },
      );
      // The message reaches the sign-in form as `error`.
      if (!outcome.ok) throw new Error(outcome.message);
      return { id: outcome.user.id, email: outcome.user.email, name: outcome.user.name };
    },
  });
}

function oidcProvider(app: AppContext, oidc: NonNullable<AppContext['config']['oidc']>): OAuthConfig<OidcProfile> {
  return {
    id: 'oidc',
    name: 'Single sign-on',
    type: 'oauth',
    wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret ?? undefined,
    client: oidc.clientSecret ? undefined : { token_endpoint_auth_method: 'none' },
    authorization: { params: { scope: 'openid email profile' } },
    idToken: true,
    checks: ['pkce', 'state', 'nonce'],
    // The session names Gatehouse's user, provisioned here, not the provider's subject.
    async profile(profile) {
      if (!profile.email || profile.email_verified === false || profile.email_verified === 'false') {
        throw new Error('the identity provider did not return a verified email address');
      }
      const email = profile.email.toLowerCase();
      const outcome = await signInExternalUser(
        app.db,
        { email, username: usernameFromEmail(email), groups: profile['cognito:groups'] ?? profile.groups ?? [] },
        { adminEmails: app.config.adminEmails, adminGroups: app.config.adminGroups },
        { via: 'oidc' },
      );
      if (!outcome.ok) throw new Error(outcome.message);
      return { id: outcome.user.id, email: outcome.user.email, name: profile.name ?? outcome.user.name };
    },
  };
}

export function authOptions(): NextAuthOptions {
  const app = getAppContext();
  const { config, secret } = app;
  return {
    secret: sessionSecret(secret),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    useSecureCookies: config.issuer.startsWith('https:'),
    cookies: {
      sessionToken: { name: sessionCookieName(config.issuer), options: sessionCookieOptions(config.issuer) },
    },
    pages: { signIn: '/local-login', error: '/local-login' },
    providers: [...(config.localLogin ? [localProvider(app)] : []), ...(config.oidc ? [oidcProvider(app, config.oidc)] : [])],
    callbacks: {
      jwt({ token, user, account }) {
        if (user && account) {
          token.sub = user.id;
          token.via = (account.provider === 'local' ? 'local' : 'oidc') satisfies SessionVia;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, user: { id: token.sub, email: token.email, name: token.name } };
      },
      // The callbackUrl of every sign-in: somewhere on Gatehouse, else its start page.
      redirect({ url, baseUrl }) {
        return `${baseUrl}${safeReturnTarget(url, baseUrl)}`;
      },
    },
  };
}
