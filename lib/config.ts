// Gatehouse configuration: the one place that reads the environment.
// Every value is validated at startup; a problem is reported as one line naming
// the variable, and an unknown GATEHOUSE_* variable (most likely a typo) is an error.
import path from 'node:path';
import { z } from 'zod';
import { trustedHostProblem, type TrustedDocumentHosts } from './oauth/cimd-trust.ts';
import { REGISTRATION_POLICIES, type RegistrationPolicy } from './oauth/client-trust.ts';
import { isUrl, parseUrl } from './parse-url.ts';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "900", "900s", "15m", "12h", "30d" → seconds. */
export function parseDurationSeconds(value: string): number | null {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * DURATION_UNITS[match[2] || 's'];
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : null;
}

export function parseList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const duration = z.string().transform((value, ctx) => {
  const seconds = parseDurationSeconds(value);
  if (seconds === null) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use seconds, or 15m, 12h, 30d)` });
    return z.NEVER;
  }
  return seconds;
});

function absoluteUrl(opts: { httpsOnly?: boolean } = {}) {
  return z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not an absolute URL` });
      return;
    }
    if (url.protocol !== 'https:' && (opts.httpsOnly || url.protocol !== 'http:')) {
      ctx.addIssue({ code: 'custom', message: `"${value}" must use ${opts.httpsOnly ? 'https' : 'http or https'}` });
    }
  });
}

const issuerUrl = absoluteUrl().superRefine((value, ctx) => {
  const url = parseUrl(value);
  if (!url) return;
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment (RFC 8414 §2)' });
  }
  if (value.endsWith('/')) {
    ctx.addIssue({ code: 'custom', message: 'must not end with "/" (the issuer is compared byte for byte)' });
  }
});

const databaseUrl = z.string().superRefine((value, ctx) => {
  if (value.startsWith('file:')) {
    if (value.length <= 'file:'.length) ctx.addIssue({ code: 'custom', message: 'file: URL needs a path' });
    return;
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    if (!isUrl(value)) ctx.addIssue({ code: 'custom', message: 'is not a valid PostgreSQL URL' });
    return;
  }
  ctx.addIssue({ code: 'custom', message: `unsupported database "${value.split(':')[0]}" (use file:… for SQLite or postgresql://…)` });
});

const redisUrl = z.string().refine((v) => /^rediss?:\/\//.test(v) && isUrl(v), {
  message: 'must be a redis:// or rediss:// URL',
});

const headerList = z.string().transform((value, ctx) => {
  const names = parseList(value).map((n) => n.toLowerCase());
  if (names.length !== 3 || names.some((n) => !/^[a-z0-9-]+$/.test(n))) {
    ctx.addIssue({ code: 'custom', message: 'must list three header names: email, user, groups' });
    return z.NEVER;
  }
  return { email: names[0], user: names[1], groups: names[2] };
});

const DEFAULT_BYPASS_PATHS = ['/local-login', '/setup', '/signed-out', '/healthz', '/readyz', '/.well-known'];

// A list with nothing in it (",,,", " ") is an unset value like "", not "bypass
// nothing": the edge never authenticates these paths, so they must stay bypassed.
const bypassPathList = z.string().transform((value, ctx) => {
  const paths = parseList(value);
  const bad = paths.find((p) => !p.startsWith('/'));
  if (bad) {
    ctx.addIssue({ code: 'custom', message: `"${bad}" must start with "/"` });
    return z.NEVER;
  }
  return paths.length > 0 ? paths : [...DEFAULT_BYPASS_PATHS];
});

/** `none`, or a comma list of hosts and `*.` wildcards (lib/oauth/cimd-trust.ts). */
const trustedHosts = z.string().transform((value, ctx): string[] => {
  if (value.trim().toLowerCase() === 'none') return [];
  const entries = parseList(value).map((e) => e.toLowerCase());
  for (const entry of entries) {
    const problem = trustedHostProblem(entry);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" ${problem}` });
      return z.NEVER;
    }
  }
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'name at least one host, or none' });
    return z.NEVER;
  }
  return entries;
});

const domain = z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name such as example.com');

/** Every variable Gatehouse reads, with its default. */
const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  GATEHOUSE_ISSUER: issuerUrl.optional(),
  DATABASE_URL: databaseUrl.default('file:./data/gatehouse.db'),
  REDIS_URL: redisUrl.optional(),
  GATEHOUSE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  GATEHOUSE_FORWARD_AUTH: bool.default(false),
  GATEHOUSE_PROXY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  GATEHOUSE_FORWARD_AUTH_HEADERS: headerList.prefault(
    'X-Auth-Request-Email,X-Auth-Request-User,X-Auth-Request-Groups',
  ),
  GATEHOUSE_USERNAME_EMAIL_DOMAIN: domain.optional(),
  GATEHOUSE_BYPASS_PATHS: bypassPathList.prefault(DEFAULT_BYPASS_PATHS.join(',')),
  GATEHOUSE_ADMIN_EMAILS: z.string().optional().transform((v) => parseList(v).map((e) => e.toLowerCase())),
  GATEHOUSE_ADMIN_GROUPS: z.string().optional().transform(parseList),
  GATEHOUSE_LOCAL_LOGIN: bool.default(true),
  GATEHOUSE_OIDC_ISSUER: absoluteUrl({ httpsOnly: false }).optional(),
  GATEHOUSE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  GATEHOUSE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  GATEHOUSE_OAUTH2_PROXY_SIGNOUT_URL: absoluteUrl().optional(),
  GATEHOUSE_OIDC_LOGOUT_URL: absoluteUrl().optional(),
  GATEHOUSE_LOGOUT_REDIRECT_URL: absoluteUrl().optional(),
  GATEHOUSE_ACCESS_TOKEN_TTL: duration.default(900),
  GATEHOUSE_REFRESH_TOKEN_TTL: duration.default(30 * 86400),
  GATEHOUSE_CODE_TTL: duration.default(60),
  GATEHOUSE_REFRESH_REUSE_GRACE: z
    .string()
    .transform((value, ctx) => {
      // 0 turns the retry window off: every reuse revokes the family.
      const seconds = value.trim() === '0' ? 0 : parseDurationSeconds(value);
      if (seconds === null) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use seconds, or 15m, 12h, 30d)` });
        return z.NEVER;
      }
      return seconds;
    })
    .default(30),
  GATEHOUSE_DPOP_NONCE: bool.default(false),
  GATEHOUSE_CIMD_ALLOW_HTTP_LOOPBACK: bool.default(false),
  GATEHOUSE_CIMD_TRUSTED_HOSTS: trustedHosts.optional(),
  GATEHOUSE_REGISTRATION: z.enum(REGISTRATION_POLICIES, { error: `must be one of ${REGISTRATION_POLICIES.join(', ')}` }).default('open'),
  GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE: duration.optional(),
  GATEHOUSE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GATEHOUSE_RATE_LIMITS: bool.default(true),
  GATEHOUSE_LISTEN_ADDRESS: z.string().regex(/^[0-9a-fA-F.:]+$|^localhost$/, 'must be an IP address such as 127.0.0.1 or 0.0.0.0').default('0.0.0.0'),
  GATEHOUSE_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v) => parseList(v))
    .refine((list) => list.every((ip) => /^[0-9a-fA-F.:]+$/.test(ip) || ip === 'loopback'), 'must list IP addresses (or "loopback")'),
});

type Raw = z.output<typeof schema>;

export type Config = {
  port: number;
  issuer: string;
  database: { url: string; provider: 'sqlite' | 'postgresql'; sqlitePath: string | null };
  /** Where the generated secret and the SQLite file live. */
  dataDir: string;
  redisUrl: string | null;
  secret: string | null;
  forwardAuth: {
    enabled: boolean;
    proxySecret: string | null;
    headers: { email: string; user: string; groups: string };
    usernameEmailDomain: string | null;
    bypassPaths: string[];
  };
  adminEmails: string[];
  adminGroups: string[];
  localLogin: boolean;
  /** Direct OIDC sign-in (no oauth2-proxy). */
  oidc: { issuer: string; clientId: string; clientSecret: string | null } | null;
  signOut: { oauth2ProxySignOutUrl: string | null; oidcLogoutUrl: string | null; oidcClientId: string | null; landingUrl: string };
  ttl: { accessToken: number; refreshToken: number; code: number; refreshReuseGrace: number };
  /** GATEHOUSE_DPOP_NONCE: the token endpoint requires DPoP server nonces (RFC 9449 §8). */
  dpopNonce: boolean;
  cimdAllowHttpLoopback: boolean;
  /** Hosts whose Client ID Metadata Documents are fetched; null = any public host, [] = none. */
  cimdTrustedHosts: TrustedDocumentHosts;
  /** Who may add clients without an administrator (docs/configuration.md). */
  registration: RegistrationPolicy;
  /** Seconds after which an unused dynamic client without a live grant is pruned; null = never automatically. */
  dynamicClientMaxIdle: number | null;
  metricsToken: string | null;
  /** Per-IP limits on the protocol endpoints (off only for benchmarks). */
  rateLimits: boolean;
  listenAddress: string;
  /** Peers whose X-Forwarded-For names the client (the reverse proxy). */
  trustedProxies: string[];
};

const KNOWN = new Set(Object.keys(schema.shape));

/** Parses and checks the environment; throws ConfigError naming the first bad variable. */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('GATEHOUSE_') && !KNOWN.has(name)) {
      throw new ConfigError(name, 'unknown variable (is it misspelt?)');
    }
  }
  // An empty value means "unset", as shells and .env files commonly produce them.
  const present = Object.fromEntries(
    [...KNOWN].filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  return shapeConfig(parsed.data, cwd);
}

function shapeConfig(raw: Raw, cwd: string): Config {
  const fa = raw.GATEHOUSE_FORWARD_AUTH;
  if (fa && !raw.GATEHOUSE_PROXY_SECRET) {
    throw new ConfigError('GATEHOUSE_PROXY_SECRET', 'is required when GATEHOUSE_FORWARD_AUTH=true');
  }
  // The client id alone serves Cognito's logout URL; with the issuer it also enables direct OIDC sign-in.
  if (raw.GATEHOUSE_OIDC_ISSUER && !raw.GATEHOUSE_OIDC_CLIENT_ID) {
    throw new ConfigError('GATEHOUSE_OIDC_CLIENT_ID', 'is required when GATEHOUSE_OIDC_ISSUER is set (direct OIDC sign-in)');
  }
  if (raw.GATEHOUSE_OIDC_LOGOUT_URL && !raw.GATEHOUSE_OIDC_CLIENT_ID) {
    throw new ConfigError('GATEHOUSE_OIDC_CLIENT_ID', 'is required with GATEHOUSE_OIDC_LOGOUT_URL (Cognito logout needs client_id)');
  }
  const issuer = raw.GATEHOUSE_ISSUER ?? `http://localhost:${raw.PORT}`;
  const isSqlite = raw.DATABASE_URL.startsWith('file:');
  const sqlitePath = isSqlite ? path.resolve(cwd, raw.DATABASE_URL.slice('file:'.length)) : null;
  return {
    port: raw.PORT,
    issuer,
    database: { url: raw.DATABASE_URL, provider: isSqlite ? 'sqlite' : 'postgresql', sqlitePath },
    dataDir: sqlitePath ? path.dirname(sqlitePath) : path.resolve(cwd, 'data'),
    redisUrl: raw.REDIS_URL ?? null,
    secret: raw.GATEHOUSE_SECRET ?? null,
    forwardAuth: {
      enabled: fa,
      proxySecret: raw.GATEHOUSE_PROXY_SECRET ?? null,
      headers: raw.GATEHOUSE_FORWARD_AUTH_HEADERS,
      usernameEmailDomain: raw.GATEHOUSE_USERNAME_EMAIL_DOMAIN?.toLowerCase() ?? null,
      bypassPaths: raw.GATEHOUSE_BYPASS_PATHS,
    },
    adminEmails: raw.GATEHOUSE_ADMIN_EMAILS,
    adminGroups: raw.GATEHOUSE_ADMIN_GROUPS,
    localLogin: raw.GATEHOUSE_LOCAL_LOGIN,
    oidc:
      raw.GATEHOUSE_OIDC_ISSUER && raw.GATEHOUSE_OIDC_CLIENT_ID
        ? {
            issuer: raw.GATEHOUSE_OIDC_ISSUER,
            clientId: raw.GATEHOUSE_OIDC_CLIENT_ID,
            clientSecret: raw.GATEHOUSE_OIDC_CLIENT_SECRET ?? null,
          }
        : null,
    signOut: {
      oauth2ProxySignOutUrl: raw.GATEHOUSE_OAUTH2_PROXY_SIGNOUT_URL ?? null,
      oidcLogoutUrl: raw.GATEHOUSE_OIDC_LOGOUT_URL ?? null,
      oidcClientId: raw.GATEHOUSE_OIDC_CLIENT_ID ?? null,
      landingUrl: raw.GATEHOUSE_LOGOUT_REDIRECT_URL ?? `${issuer}/signed-out`,
    },
    ttl: {
      accessToken: raw.GATEHOUSE_ACCESS_TOKEN_TTL,
      refreshToken: raw.GATEHOUSE_REFRESH_TOKEN_TTL,
      code: raw.GATEHOUSE_CODE_TTL,
      refreshReuseGrace: raw.GATEHOUSE_REFRESH_REUSE_GRACE,
    },
    dpopNonce: raw.GATEHOUSE_DPOP_NONCE,
    cimdAllowHttpLoopback: raw.GATEHOUSE_CIMD_ALLOW_HTTP_LOOPBACK,
    cimdTrustedHosts: raw.GATEHOUSE_CIMD_TRUSTED_HOSTS ?? null,
    registration: raw.GATEHOUSE_REGISTRATION,
    dynamicClientMaxIdle: raw.GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE ?? null,
    metricsToken: raw.GATEHOUSE_METRICS_TOKEN ?? null,
    rateLimits: raw.GATEHOUSE_RATE_LIMITS,
    listenAddress: raw.GATEHOUSE_LISTEN_ADDRESS,
    trustedProxies: raw.GATEHOUSE_TRUSTED_PROXIES,
  };
}

let cached: Config | undefined;

/** The process-wide configuration, parsed once. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
