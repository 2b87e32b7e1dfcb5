// A stand-in for Amazon Cognito's hosted UI: a real OpenID Provider
// (node-oidc-provider) on loopback, with what the SSO edge relies on from Cognito:
//   - the authorization code flow (PKCE) with an interactive login page,
//   - id tokens carrying email, email_verified and cognito:groups,
//   - Cognito's own logout endpoint, GET /logout?client_id=…&logout_uri=…, which
//     ends the hosted-UI session and redirects only to a sign-out URL registered
//     for that client (anything else is refused, as Cognito does).
// It counts logins so a test can tell whether a fresh login was asked for.
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

export type CognitoClient = {
  clientId: string;
  clientSecret: string;
  /** Cognito's "Allowed callback URLs". */
  redirectUris: string[];
  /** Cognito's "Allowed sign-out URLs" (what /logout's logout_uri must be one of). */
  logoutUris: string[];
};

export type CognitoOptions = {
  client: CognitoClient;
  /** 0 (default) picks a free port; a restart passes the previous one. */
  port?: number;
  /** The cognito:groups of a user (by lower-case email); none by default. */
  groupsFor?: (email: string) => string[];
};

export type CognitoLogin = { email: string; sub: string; at: Date };

export type StandInCognito = {
  issuer: string;
  port: number;
  /** Completed logins (login form submissions that signed someone in). */
  loginCount(): number;
  logins(): CognitoLogin[];
  /** Times the login form was shown. */
  loginPromptCount(): number;
  /** Successful /logout calls. */
  logoutCount(): number;
  /** Hosted-UI sessions alive now (signed in, not logged out, not expired), of one user or of all. */
  activeSessionCount(email?: string): number;
  stop(): Promise<void>;
};

/** Cognito subjects are UUIDs; derive one from the email so a user keeps theirs. */
export function cognitoSubFor(email: string): string {
  const h = createHash('sha256').update(`stand-in-cognito:${email.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What loadExistingGrant and renderError see of node-oidc-provider's Koa context. */
type OidcContext = {
  type: string;
  body: string;
  oidc: {
    session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
    client: { clientId: string };
    provider: { Grant: GrantClass };
  };
};
type Grant = { addOIDCScope(scope: string): void; save(): Promise<string> };
type GrantClass = { new (init: { clientId: string; accountId: string }): Grant; find(id: string): Promise<Grant | undefined> };

const EMAIL = /^[^\s@<>()",;:]+@[a-z0-9.-]+\.[a-z]{2,}$/i;

/** node-oidc-provider storage, per instance (its default memory store is module-global). */
function memoryAdapterFactory() {
  type Entry = { payload: Record<string, unknown>; expiresAt: number };
  const store = new Map<string, Entry>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };
  class Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      store.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
    }
    async find(id: string) {
      return live(this.key(id))?.payload;
    }
    async findByUid(uid: string) {
      for (const key of store.keys()) {
        const entry = key.startsWith(`${this.model}:`) ? live(key) : undefined;
        if (entry?.payload.uid === uid) return entry.payload;
      }
      return undefined;
    }
    async findByUserCode(userCode: string) {
      for (const key of store.keys()) {
        const entry = key.startsWith(`${this.model}:`) ? live(key) : undefined;
        if (entry?.payload.userCode === userCode) return entry.payload;
      }
      return undefined;
    }
    async consume(id: string) {
      const entry = live(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
    }
  }
  const count = (model: string, where: (payload: Record<string, unknown>) => boolean = () => true) =>
    [...store.keys()].filter((k) => {
      const entry = k.startsWith(`${model}:`) ? live(k) : undefined;
      return entry !== undefined && where(entry.payload);
    }).length;
  return { Adapter, count };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f2f3f3;margin:0}main{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;box-shadow:0 1px 3px #0003}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;width:100%;padding:.6rem;background:#ec7211;color:#fff;border:0;border-radius:3px;font-weight:600}
.brand{color:#545b64;font-size:.8rem;text-transform:uppercase;letter-spacing:.05em}</style></head>
<body><main><p class="brand">Stand-in Cognito</p>${body}</main></body></html>`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Loaded when a stand-in starts, not when a spec file is listed. node-oidc-provider
 * warns on every Node.js that is not 22+ LTS; it runs fine on the Node 20 this project uses,
 * so that one line is left out of the test output.
 */
async function loadProvider() {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
  };
  try {
    return (await import('oidc-provider')).default;
  } finally {
    console.warn = warn;
  }
}

export async function startCognito(opts: CognitoOptions): Promise<StandInCognito> {
  const Provider = await loadProvider();
  const { client } = opts;
  const accounts = new Map<string, { email: string; groups: string[] }>();
  const logins: CognitoLogin[] = [];
  let prompts = 0;
  let logouts = 0;
  const { Adapter, count } = memoryAdapterFactory();

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: `stand-in-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    adapter: Adapter,
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        post_logout_redirect_uris: client.logoutUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Cognito puts the user's claims in the id token, not only behind /userInfo.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'cognito:username', 'cognito:groups'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    scopes: ['openid', 'email', 'profile'],
    pkce: { required: () => true },
    // Cognito's defaults: 1 h tokens, a hosted-UI session that outlives them.
    ttl: { AccessToken: 3600, IdToken: 3600, AuthorizationCode: 300, Interaction: 3600, Session: 24 * 3600, Grant: 24 * 3600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // The hosted UI never asks for consent: the app client's scopes are granted.
    async loadExistingGrant(ctx: OidcContext) {
      const session = ctx.oidc.session;
      const accountId = session?.accountId;
      if (!session || !accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(ctx.oidc.client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, 'cognito:username': sub, email: account.email, email_verified: true, 'cognito:groups': account.groups, name: account.email.split('@')[0] };
        },
      };
    },
    async renderError(ctx: OidcContext, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`;
    },
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => console.error('[stand-in cognito] server_error', error));

  const handleProvider = provider.callback();

  async function showLogin(req: IncomingMessage, res: ServerResponse, uid: string, error?: string) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return page(res, 400, 'Error', '<h1>Sign-in error</h1><p>This sign-in page has expired.</p>');
    if (details.prompt.name !== 'login') {
      // Consent is granted by loadExistingGrant; anything else finishes as is.
      return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
    }
    prompts += 1;
    return page(
      res,
      error ? 400 : 200,
      'Sign in',
      `<h1>Sign in to Stand-in Cognito</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="email">Email</label><input id="email" name="email" type="email" required autofocus>
<button type="submit">Sign in</button></form>`,
    );
  }

  async function submitLogin(req: IncomingMessage, res: ServerResponse, uid: string) {
    const form = await readForm(req);
    const email = (form.get('email') ?? '').trim().toLowerCase();
    if (!EMAIL.test(email)) return showLogin(req, res, uid, 'Enter an email address.');
    const sub = cognitoSubFor(email);
    accounts.set(sub, { email, groups: opts.groupsFor?.(email) ?? [] });
    await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    logins.push({ email, sub, at: new Date() });
  }

  /** Cognito's GET /logout: ends the hosted-UI session, then redirects to a registered sign-out URL. */
  async function logout(req: IncomingMessage, res: ServerResponse, url: URL) {
    const clientId = url.searchParams.get('client_id');
    const logoutUri = url.searchParams.get('logout_uri');
    const known = clientId === client.clientId ? client : null;
    if (!known) return page(res, 400, 'Error', '<h1>An error was encountered with the requested page.</h1><p>Invalid client_id.</p>');
    if (!logoutUri || !known.logoutUris.includes(logoutUri)) {
      return page(res, 400, 'Error', '<h1>An error was encountered with the requested page.</h1><p>Invalid logout_uri: not one of the client’s allowed sign-out URLs.</p>');
    }
    const ctx = provider.createContext(req, res);
    const session = await provider.Session.get(ctx);
    if (!session.new && session.accountId) await session.destroy();
    // Cookies off the browser too: the session id and its signature.
    const expired = 'path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax';
    const name = provider.cookieName('session');
    res.setHeader('Set-Cookie', [`${name}=; ${expired}`, `${name}.sig=; ${expired}`]);
    logouts += 1;
    res.writeHead(302, { Location: logoutUri, 'Cache-Control': 'no-store' });
    res.end();
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    const work = async () => {
      if (interaction && req.method === 'GET' && !interaction[2]) return showLogin(req, res, interaction[1]);
      if (interaction && req.method === 'POST' && interaction[2]) return submitLogin(req, res, interaction[1]);
      if (url.pathname === '/logout' && req.method === 'GET') return logout(req, res, url);
      return handleProvider(req, res);
    };
    work().catch((error: Error) => {
      const expired = error.name === 'SessionNotFound';
      if (!expired) console.error('[stand-in cognito]', error);
      if (!res.headersSent) page(res, expired ? 400 : 500, 'Error', `<h1>Sign-in error</h1><p>${escapeHtml(expired ? 'This sign-in has expired; start again.' : error.message)}</p>`);
      else res.end();
    });
  });

  return {
    issuer,
    port,
    loginCount: () => logins.length,
    logins: () => [...logins],
    loginPromptCount: () => prompts,
    logoutCount: () => logouts,
    activeSessionCount: (email?: string) =>
      count('Session', (session) => (email ? session.accountId === cognitoSubFor(email) : Boolean(session.accountId))),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
