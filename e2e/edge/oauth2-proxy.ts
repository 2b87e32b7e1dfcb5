// A stand-in for oauth2-proxy (OIDC provider, behind nginx auth_request) that
// behaves like oauth2-proxy v7 on the wire:
//   GET /oauth2/auth       202 + X-Auth-Request-User/-Email/-Groups with a valid
//                          session cookie, else 401 (what nginx's auth_request reads)
//   GET /oauth2/sign_in    the provider-button page (or straight to /oauth2/start)
//   GET /oauth2/start      authorization code flow with PKCE; state = "<csrf nonce>:<redirect>";
//                          the redirect comes from ?rd=, else X-Auth-Request-Redirect, else "/"
//   GET /oauth2/callback   checks state against the CSRF cookie, redeems the code,
//                          verifies the id token against the provider's JWKS,
//                          sets the session cookie, redirects back
//   GET /oauth2/sign_out   clears the session cookie, redirects to ?rd= if allowed
// Redirects go only to relative paths or whitelisted domains (--whitelist-domain),
// otherwise to "/" — as oauth2-proxy does.
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, EncryptJWT, jwtDecrypt, jwtVerify, type JWTPayload } from 'jose';

export type OAuth2ProxyOptions = {
  /** --oidc-issuer-url */
  oidcIssuer: string;
  clientId: string;
  clientSecret: string;
  /** --redirect-url: the public callback URL, through the reverse proxy. */
  redirectUrl: string;
  /** --whitelist-domain entries: "host", "host:port", "host:*" or ".suffix". */
  whitelistDomains: string[];
  port?: number;
  /** --cookie-secret: 32 bytes; random when omitted. */
  cookieSecret?: Uint8Array;
  cookieName?: string;
  /** --cookie-secure (oauth2-proxy defaults to true; plain-http loopback needs false). */
  cookieSecure?: boolean;
  /** --cookie-expire, seconds (oauth2-proxy: 168h). */
  cookieExpireSeconds?: number;
  /** --email-domain; "*" allows any. */
  emailDomains?: string[];
  /** --oidc-groups-claim */
  groupsClaim?: string;
  scope?: string;
  /** --skip-provider-button */
  skipProviderButton?: boolean;
};

export type StandInOAuth2Proxy = {
  url: string;
  port: number;
  /** Sessions created at /oauth2/callback. */
  signInCount(): number;
  signOutCount(): number;
  stop(): Promise<void>;
};

type ProxySession = { email: string; user: string; groups: string[]; preferredUsername?: string };

const CSRF_TTL_SECONDS = 15 * 60;

/** oauth2-proxy's IsValidRedirect: relative paths, or absolute http(s) URLs on a whitelisted domain. */
export function isAllowedRedirect(target: string, whitelist: string[]): boolean {
  if (target.startsWith('/')) return !target.startsWith('//') && !target.startsWith('/\\');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  const port = url.port;
  return whitelist.some((entry) => {
    const [domainPart, portPart] = entry.toLowerCase().split(/:(?=[^:]*$)/);
    const domainOk = domainPart.startsWith('.') ? host.endsWith(domainPart) || host === domainPart.slice(1) : host === domainPart;
    if (!domainOk) return false;
    if (portPart === '*') return true;
    return (portPart ?? '') === port;
  });
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      const name = part.slice(0, eq).trim();
      if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
    }
  }
  return cookies;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

export async function startOAuth2Proxy(opts: OAuth2ProxyOptions): Promise<StandInOAuth2Proxy> {
  const cookieName = opts.cookieName ?? '_oauth2_proxy';
  const csrfCookieName = `${cookieName}_csrf`;
  const secret = opts.cookieSecret ?? new Uint8Array(randomBytes(32));
  if (secret.length !== 32) throw new Error('cookieSecret must be 32 bytes (AES-256)');
  const secure = opts.cookieSecure ?? true;
  const cookieTtl = opts.cookieExpireSeconds ?? 168 * 3600;
  const emailDomains = opts.emailDomains ?? ['*'];
  const groupsClaim = opts.groupsClaim ?? 'groups';
  const scope = opts.scope ?? 'openid email profile';
  const callbackPath = new URL(opts.redirectUrl).pathname;
  let signIns = 0;
  let signOuts = 0;

  type Discovery = { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string; userinfo_endpoint?: string };
  let discovery: Promise<{ meta: Discovery; jwks: ReturnType<typeof createRemoteJWKSet> }> | null = null;
  const discover = () => {
    discovery ??= (async () => {
      const res = await fetch(`${opts.oidcIssuer}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`OIDC discovery failed: ${res.status}`);
      const meta = (await res.json()) as Discovery;
      if (meta.issuer !== opts.oidcIssuer) throw new Error(`issuer mismatch: ${meta.issuer}`);
      return { meta, jwks: createRemoteJWKSet(new URL(meta.jwks_uri)) };
    })().catch((error) => {
      discovery = null;
      throw error;
    });
    return discovery;
  };

  const cookie = (name: string, value: string, maxAge: number) =>
    [`${name}=${value}`, 'Path=/', `Max-Age=${maxAge}`, ...(maxAge === 0 ? ['Expires=Thu, 01 Jan 1970 00:00:00 GMT'] : []), 'HttpOnly', ...(secure ? ['Secure'] : []), 'SameSite=Lax'].join('; ');

  const seal = (claims: Record<string, unknown>, ttl: number) =>
    new EncryptJWT(claims).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime(`${ttl}s`).encrypt(secret);

  async function unseal(value: string | undefined): Promise<JWTPayload | null> {
    if (!value) return null;
    try {
      return (await jwtDecrypt(value, secret, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] })).payload;
    } catch {
      return null;
    }
  }

  async function sessionOf(req: IncomingMessage): Promise<ProxySession | null> {
    const payload = await unseal(parseCookies(req.headers.cookie).get(cookieName));
    if (!payload || typeof payload.email !== 'string' || typeof payload.user !== 'string') return null;
    return { email: payload.email, user: payload.user, groups: Array.isArray(payload.groups) ? (payload.groups as string[]) : [], preferredUsername: payload.preferred_username as string | undefined };
  }

  /** GetRedirect: ?rd=, then X-Auth-Request-Redirect, then "/"; invalid targets become "/". */
  function appRedirect(req: IncomingMessage, url: URL): string {
    const header = req.headers['x-auth-request-redirect'];
    const candidate = url.searchParams.get('rd') || (Array.isArray(header) ? header[0] : header) || '/';
    return isAllowedRedirect(candidate, opts.whitelistDomains) ? candidate : '/';
  }

  function send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body = ''): void {
    res.writeHead(status, { 'Cache-Control': 'no-cache, no-store, must-revalidate, max-age=0', ...headers });
    res.end(body);
  }

  function errorPage(res: ServerResponse, status: number, message: string): void {
    const text = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    send(res, status, { 'Content-Type': 'text/html; charset=utf-8' }, `<!doctype html><title>${status}</title><h1>${status === 403 ? 'Forbidden' : 'Error'}</h1><p>${text}</p>`);
  }

  async function start(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { meta } = await discover();
    const redirect = appRedirect(req, url);
    const csrf = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    const verifier = b64url(randomBytes(32));
    const auth = new URL(meta.authorization_endpoint);
    auth.search = new URLSearchParams({
      client_id: opts.clientId,
      redirect_uri: opts.redirectUrl,
      response_type: 'code',
      scope,
      state: `${csrf}:${redirect}`,
      nonce,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    const sealed = await seal({ csrf, nonce, verifier }, CSRF_TTL_SECONDS);
    send(res, 302, { Location: auth.href, 'Set-Cookie': cookie(csrfCookieName, sealed, CSRF_TTL_SECONDS) });
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const clearCsrf = cookie(csrfCookieName, '', 0);
    if (url.searchParams.get('error')) return errorPage(res, 403, `Login failed: ${url.searchParams.get('error')}`);
    const state = url.searchParams.get('state') ?? '';
    const code = url.searchParams.get('code');
    const sep = state.indexOf(':');
    const csrf = await unseal(parseCookies(req.headers.cookie).get(csrfCookieName));
    if (!code || sep < 0 || !csrf || csrf.csrf !== state.slice(0, sep)) {
      res.setHeader('Set-Cookie', clearCsrf);
      return errorPage(res, 403, 'Login failed: unable to find a valid CSRF token. Please try again.');
    }
    const redirect = state.slice(sep + 1);

    const { meta, jwks } = await discover();
    const tokenRes = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        Authorization: `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: opts.redirectUrl, code_verifier: String(csrf.verifier) }),
    });
    const tokens = (await tokenRes.json().catch(() => ({}))) as { id_token?: string; error?: string };
    if (!tokenRes.ok || !tokens.id_token) return errorPage(res, 500, `Internal Error: code redemption failed (${tokens.error ?? tokenRes.status})`);

    const { payload: claims } = await jwtVerify(tokens.id_token, jwks, { issuer: meta.issuer, audience: opts.clientId }).catch((error: Error) => {
      throw new Error(`id token verification failed: ${error.message}`);
    });
    if (claims.nonce !== csrf.nonce) return errorPage(res, 403, 'Login failed: id token nonce does not match.');
    const email = typeof claims.email === 'string' ? claims.email : null;
    if (!email) return errorPage(res, 500, 'Internal Error: the id token has no email claim.');
    if (claims.email_verified === false || claims.email_verified === 'false') return errorPage(res, 403, `Login failed: email ${email} is not verified.`);
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (!emailDomains.includes('*') && !emailDomains.some((d) => d.toLowerCase() === domain)) return errorPage(res, 403, 'Forbidden: the email domain is not allowed.');
    const rawGroups = claims[groupsClaim];
    const groups = Array.isArray(rawGroups) ? rawGroups.map(String) : typeof rawGroups === 'string' ? [rawGroups] : [];

    const session = await seal({ email, user: String(claims.sub), groups, preferred_username: claims.preferred_username ?? claims['cognito:username'] }, cookieTtl);
    signIns += 1;
    const target = isAllowedRedirect(redirect, opts.whitelistDomains) ? redirect : '/';
    send(res, 302, { Location: target, 'Set-Cookie': [clearCsrf, cookie(cookieName, session, cookieTtl)] });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://oauth2-proxy.invalid');
    const path = url.pathname;
    if (path === '/ping' || path === '/ready') return send(res, 200, { 'Content-Type': 'text/plain' }, 'OK');
    if (path === '/oauth2/auth') {
      const session = await sessionOf(req);
      if (!session) return send(res, 401, { 'Content-Type': 'text/plain' }, 'Unauthorized');
      const headers: Record<string, string> = { 'X-Auth-Request-User': session.user, 'X-Auth-Request-Email': session.email };
      if (session.groups.length) headers['X-Auth-Request-Groups'] = session.groups.join(',');
      if (session.preferredUsername) headers['X-Auth-Request-Preferred-Username'] = session.preferredUsername;
      return send(res, 202, headers);
    }
    if (path === '/oauth2/userinfo') {
      const session = await sessionOf(req);
      if (!session) return send(res, 401, { 'Content-Type': 'text/plain' }, 'Unauthorized');
      return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify({ user: session.user, email: session.email, groups: session.groups }));
    }
    if (path === '/oauth2/sign_in') {
      if (opts.skipProviderButton) return start(req, res, url);
      const rd = appRedirect(req, url).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      return send(
        res,
        200,
        { 'Content-Type': 'text/html; charset=utf-8' },
        `<!doctype html><title>Sign In</title><form method="GET" action="/oauth2/start"><input type="hidden" name="rd" value="${rd}"><button type="submit">Sign in with OpenID Connect</button></form>`,
      );
    }
    if (path === '/oauth2/start') return start(req, res, url);
    if (path === callbackPath) return callback(req, res, url);
    if (path === '/oauth2/sign_out') {
      signOuts += 1;
      return send(res, 302, { Location: appRedirect(req, url), 'Set-Cookie': cookie(cookieName, '', 0) });
    }
    return send(res, 404, { 'Content-Type': 'text/plain' }, '404 page not found');
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      console.error('[stand-in oauth2-proxy]', error.message);
      if (!res.headersSent) errorPage(res, 500, `Internal Error: ${error.message}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    signInCount: () => signIns,
    signOutCount: () => signOuts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
