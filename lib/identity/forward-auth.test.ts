import { describe, expect, it } from 'vitest';
import { isAdminIdentity, isBypassPath, readForwardedIdentity, type ForwardAuthSettings } from './forward-auth.ts';

const settings: ForwardAuthSettings = {
  enabled: true,
  proxySecret: 'edge-secret-0123456789',
  headers: { email: 'x-auth-request-email', user: 'x-auth-request-user', groups: 'x-auth-request-groups' },
  usernameEmailDomain: null,
  bypassPaths: ['/local-login', '/signed-out', '/healthz', '/readyz', '/.well-known'],
};

const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];
const withSecret = (h: Record<string, string>) => headers({ 'x-gatehouse-proxy-secret': settings.proxySecret!, ...h });

describe('readForwardedIdentity', () => {
  it('ignores identity headers without the proxy secret', () => {
    expect(readForwardedIdentity('/', headers({ 'x-auth-request-email': 'a@example.com' }), settings)).toEqual({ kind: 'ignored', reason: 'no_secret' });
  });

  it('ignores identity headers with a wrong secret', () => {
    const h = headers({ 'x-gatehouse-proxy-secret': 'wrong', 'x-auth-request-email': 'a@example.com' });
    expect(readForwardedIdentity('/', h, settings)).toMatchObject({ reason: 'bad_secret' });
  });

  it('ignores identity headers on bypass paths, even with the secret', () => {
    const h = withSecret({ 'x-auth-request-email': 'a@example.com' });
    expect(readForwardedIdentity('/local-login', h, settings)).toMatchObject({ reason: 'bypass_path' });
    expect(readForwardedIdentity('/.well-known/jwks.json', h, settings)).toMatchObject({ reason: 'bypass_path' });
  });

  it('ignores everything when forward auth is off', () => {
    const h = withSecret({ 'x-auth-request-email': 'a@example.com' });
    expect(readForwardedIdentity('/', h, { ...settings, enabled: false })).toMatchObject({ reason: 'disabled' });
  });

  it('reads the email header, lower-cased, with groups', () => {
    const h = withSecret({ 'x-auth-request-email': 'Alice.Smith@Example.com', 'x-auth-request-groups': 'admins, dev ,' });
    expect(readForwardedIdentity('/account', h, settings)).toEqual({
      kind: 'identity',
      identity: { email: 'alice.smith@example.com', username: 'alice.smith', groups: ['admins', 'dev'] },
    });
  });

  it('synthesizes an email for a bare username when a domain is configured', () => {
    const h = withSecret({ 'x-auth-request-user': 'bob' });
    expect(readForwardedIdentity('/', h, settings)).toMatchObject({ reason: 'invalid_identity' });
    expect(readForwardedIdentity('/', h, { ...settings, usernameEmailDomain: 'corp.example' })).toMatchObject({
      identity: { email: 'bob@corp.example', username: 'bob' },
    });
  });

  it('maps a bare username in the email header through the domain, as from a Cognito pool without an email attribute', () => {
    const h = withSecret({ 'x-auth-request-email': 'Carol.Jones', 'x-auth-request-user': '0b9e6c1a-sub' });
    expect(readForwardedIdentity('/', h, { ...settings, usernameEmailDomain: 'corp.example' })).toEqual({
      kind: 'identity',
      identity: { email: 'carol.jones@corp.example', username: 'carol.jones', groups: [] },
    });
    expect(readForwardedIdentity('/', h, settings)).toMatchObject({ reason: 'invalid_identity', detail: 'bare username without GATEHOUSE_USERNAME_EMAIL_DOMAIN' });
    const odd = withSecret({ 'x-auth-request-email': 'carol jones' });
    expect(readForwardedIdentity('/', odd, { ...settings, usernameEmailDomain: 'corp.example' })).toMatchObject({ reason: 'invalid_identity' });
  });

  it('rejects values that are not email addresses', () => {
    for (const bad of ['not-an-email', 'a@b', '<script>@x.com', 'a b@example.com']) {
      expect(readForwardedIdentity('/', withSecret({ 'x-auth-request-email': bad }), settings)).toMatchObject({ reason: 'invalid_identity' });
    }
  });

  it('reports a trusted request without identity', () => {
    expect(readForwardedIdentity('/', withSecret({}), settings)).toMatchObject({ reason: 'no_identity' });
  });
});

describe('isBypassPath', () => {
  it('matches whole path segments only', () => {
    expect(isBypassPath('/signed-out', settings.bypassPaths)).toBe(true);
    expect(isBypassPath('/signed-out/x', settings.bypassPaths)).toBe(true);
    expect(isBypassPath('/signed-outside', settings.bypassPaths)).toBe(false);
    expect(isBypassPath('/', settings.bypassPaths)).toBe(false);
  });
});

describe('isAdminIdentity', () => {
  it('makes admins by email or by group', () => {
    expect(isAdminIdentity({ email: 'a@x.io', groups: [] }, ['a@x.io'], [])).toBe(true);
    expect(isAdminIdentity({ email: 'b@x.io', groups: ['ops'] }, [], ['ops'])).toBe(true);
    expect(isAdminIdentity({ email: 'b@x.io', groups: ['dev'] }, ['a@x.io'], ['ops'])).toBe(false);
  });
});
