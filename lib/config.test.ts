import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseDurationSeconds } from './config.ts';

const parse = (env: Record<string, string>) => parseConfig(env, '/srv/gatehouse');

function problem(env: Record<string, string>): string {
  try {
    parse(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    const config = parse({});
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.database).toEqual({ url: 'file:./data/gatehouse.db', provider: 'sqlite', sqlitePath: '/srv/gatehouse/data/gatehouse.db' });
    expect(config.dataDir).toBe('/srv/gatehouse/data');
    expect(config.forwardAuth).toMatchObject({
      enabled: false,
      headers: { email: 'x-auth-request-email', user: 'x-auth-request-user', groups: 'x-auth-request-groups' },
      bypassPaths: ['/local-login', '/setup', '/signed-out', '/healthz', '/readyz', '/.well-known'],
    });
    expect(config.localLogin).toBe(true);
    expect(config.ttl).toEqual({ accessToken: 900, refreshToken: 2592000, code: 60, refreshReuseGrace: 30 });
    expect(config.signOut.landingUrl).toBe('http://localhost:3000/signed-out');
    expect(config.redisUrl).toBeNull();
    expect(config.dynamicClientMaxIdle).toBeNull();
  });

  it('reads the idle period after which unused dynamic clients are pruned', () => {
    expect(parse({ GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE: '30d' }).dynamicClientMaxIdle).toBe(30 * 86400);
    expect(parse({ GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE: '' }).dynamicClientMaxIdle).toBeNull();
  });

  it('reads the registration policy (default open) and the metadata-document trust policy (default any public host)', () => {
    expect(parse({})).toMatchObject({ registration: 'open', cimdTrustedHosts: null });
    expect(parse({ GATEHOUSE_REGISTRATION: 'approval' }).registration).toBe('approval');
    expect(parse({ GATEHOUSE_REGISTRATION: 'off' }).registration).toBe('off');
    expect(parse({ GATEHOUSE_CIMD_TRUSTED_HOSTS: 'Claude.ai, *.Example.com' }).cimdTrustedHosts).toEqual(['claude.ai', '*.example.com']);
    expect(parse({ GATEHOUSE_CIMD_TRUSTED_HOSTS: 'none' }).cimdTrustedHosts).toEqual([]);
  });

  it('follows PORT into the default issuer', () => {
    expect(parse({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
  });

  it('keeps the issuer byte for byte', () => {
    expect(parse({ GATEHOUSE_ISSUER: 'https://auth.example.com/tenant' }).issuer).toBe('https://auth.example.com/tenant');
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: unsupported database "mysql"'],
    [{ DATABASE_URL: 'file:' }, 'DATABASE_URL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ GATEHOUSE_ISSUER: 'https://auth.example.com/' }, 'GATEHOUSE_ISSUER: must not end with "/"'],
    [{ GATEHOUSE_ISSUER: 'auth.example.com' }, 'GATEHOUSE_ISSUER'],
    [{ GATEHOUSE_ISSUER: 'https://auth.example.com?x=1' }, 'GATEHOUSE_ISSUER: must not have a query'],
    [{ GATEHOUSE_FORWARD_AUTH: 'maybe' }, 'GATEHOUSE_FORWARD_AUTH: must be true or false'],
    [{ GATEHOUSE_FORWARD_AUTH: 'true' }, 'GATEHOUSE_PROXY_SECRET: is required'],
    [{ GATEHOUSE_ACCESS_TOKEN_TTL: '15 minutes' }, 'GATEHOUSE_ACCESS_TOKEN_TTL'],
    [{ GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE: 'a month' }, 'GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE: "a month" is not a duration'],
    [{ GATEHOUSE_SECRET: 'short' }, 'GATEHOUSE_SECRET: must be at least 32 characters'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ GATEHOUSE_BYPASS_PATHS: 'signed-out' }, 'GATEHOUSE_BYPASS_PATHS'],
    [{ GATEHOUSE_FORWARD_AUTH_HEADERS: 'X-Email' }, 'GATEHOUSE_FORWARD_AUTH_HEADERS'],
    [{ GATEHOUSE_ISUER: 'https://a.example' }, 'GATEHOUSE_ISUER: unknown variable'],
    [{ GATEHOUSE_OIDC_ISSUER: 'https://cognito.example' }, 'GATEHOUSE_OIDC_CLIENT_ID'],
    [{ GATEHOUSE_OIDC_LOGOUT_URL: 'https://auth.example/logout' }, 'GATEHOUSE_OIDC_CLIENT_ID: is required with GATEHOUSE_OIDC_LOGOUT_URL'],
    [{ GATEHOUSE_REGISTRATION: 'closed' }, 'GATEHOUSE_REGISTRATION: must be one of open, approval, off'],
    [{ GATEHOUSE_CIMD_TRUSTED_HOSTS: 'https://claude.ai' }, 'GATEHOUSE_CIMD_TRUSTED_HOSTS: "https://claude.ai" must be a host name'],
    [{ GATEHOUSE_CIMD_TRUSTED_HOSTS: '*.com' }, 'GATEHOUSE_CIMD_TRUSTED_HOSTS: "*.com" must keep at least two labels after the wildcard'],
    [{ GATEHOUSE_CIMD_TRUSTED_HOSTS: ', ,' }, 'GATEHOUSE_CIMD_TRUSTED_HOSTS: name at least one host, or none'],
  ])('rejects %o with one line naming the variable', (env, expected) => {
    const message = problem(env as Record<string, string>);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it('parses lists, trimming and dropping empty items', () => {
    const config = parse({
      GATEHOUSE_BYPASS_PATHS: ' /a, ,/b ,',
      GATEHOUSE_ADMIN_EMAILS: 'Root@Example.com, ops@example.com',
      GATEHOUSE_ADMIN_GROUPS: 'admins,,',
    });
    expect(config.forwardAuth.bypassPaths).toEqual(['/a', '/b']);
    expect(config.adminEmails).toEqual(['root@example.com', 'ops@example.com']);
    expect(config.adminGroups).toEqual(['admins']);
  });

  it('reads a bypass list with nothing in it (",,,", " , ") as unset: the default bypass paths, never none', () => {
    const defaults = parse({}).forwardAuth.bypassPaths;
    expect(defaults).toEqual(['/local-login', '/setup', '/signed-out', '/healthz', '/readyz', '/.well-known']);
    for (const value of ['', ' ', ',,,', ' , , ', '\t,']) {
      expect(parse({ GATEHOUSE_BYPASS_PATHS: value }).forwardAuth.bypassPaths).toEqual(defaults);
    }
    expect(parse({ GATEHOUSE_BYPASS_PATHS: ',/signed-out,' }).forwardAuth.bypassPaths).toEqual(['/signed-out']);
  });

  it('treats empty values as unset', () => {
    expect(parse({ GATEHOUSE_ISSUER: '', PORT: '' }).issuer).toBe('http://localhost:3000');
  });

  it('recognises PostgreSQL URLs', () => {
    expect(parse({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test' }).database.provider).toBe('postgresql');
    expect(parse({ DATABASE_URL: 'postgres://u@h/db' }).database.provider).toBe('postgresql');
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    ['900', 900],
    ['900s', 900],
    ['15m', 900],
    ['12h', 43200],
    ['30d', 2592000],
    ['0', null],
    ['-5', null],
    ['1w', null],
  ])('%s → %s', (input, expected) => expect(parseDurationSeconds(input)).toBe(expected));
});
