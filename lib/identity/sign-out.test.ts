import { describe, expect, it } from 'vitest';
import { signOutProblems, signOutRedirect } from './sign-out.ts';

const landing = 'https://auth.example.com/signed-out';

describe('signOutRedirect', () => {
  it('chains oauth2-proxy → Cognito logout → landing page, each level encoded once more', () => {
    const url = signOutRedirect({
      oauth2ProxySignOutUrl: 'https://gate.example.com/oauth2/sign_out',
      oidcLogoutUrl: 'https://login.example.auth.us-east-1.amazoncognito.com/logout',
      oidcClientId: 'abc 123&x',
      landingUrl: landing,
    });
    const outer = new URL(url);
    expect(outer.origin + outer.pathname).toBe('https://gate.example.com/oauth2/sign_out');
    const rd = new URL(outer.searchParams.get('rd')!);
    expect(rd.origin + rd.pathname).toBe('https://login.example.auth.us-east-1.amazoncognito.com/logout');
    expect(rd.searchParams.get('client_id')).toBe('abc 123&x');
    expect(rd.searchParams.get('logout_uri')).toBe(landing);
    expect(url).not.toContain('&logout_uri=https'); // the inner query is encoded inside rd
  });

  it('without Cognito settings rd is the landing page', () => {
    const url = new URL(signOutRedirect({ oauth2ProxySignOutUrl: 'https://gate.example.com/oauth2/sign_out', oidcLogoutUrl: null, oidcClientId: null, landingUrl: landing }));
    expect(url.searchParams.get('rd')).toBe(landing);
  });

  it('without oauth2-proxy it goes to Cognito logout, or straight to the landing page', () => {
    expect(signOutRedirect({ oauth2ProxySignOutUrl: null, oidcLogoutUrl: null, oidcClientId: null, landingUrl: landing })).toBe(landing);
    const viaCognito = new URL(signOutRedirect({ oauth2ProxySignOutUrl: null, oidcLogoutUrl: 'https://idp.example/logout', oidcClientId: 'c', landingUrl: landing }));
    expect(viaCognito.searchParams.get('logout_uri')).toBe(landing);
  });

  it('keeps existing query parameters of configured URLs', () => {
    const url = new URL(signOutRedirect({ oauth2ProxySignOutUrl: 'https://gate.example.com/oauth2/sign_out?x=1', oidcLogoutUrl: null, oidcClientId: null, landingUrl: landing }));
    expect(url.searchParams.get('x')).toBe('1');
  });
});

describe('signOutProblems', () => {
  const base = { oauth2ProxySignOutUrl: 'https://gate.example.com/oauth2/sign_out', oidcLogoutUrl: 'https://idp.example/logout', oidcClientId: 'c', landingUrl: landing };
  const opts = { bypassPaths: ['/signed-out', '/local-login'], issuer: 'https://auth.example.com', forwardAuth: true };

  it('finds nothing wrong with a complete https chain', () => {
    expect(signOutProblems(base, opts)).toEqual([]);
  });

  it('flags a logout URL that is not https', () => {
    expect(signOutProblems({ ...base, oidcLogoutUrl: 'http://idp.example/logout' }, opts).join()).toContain('not https');
  });

  it('flags a landing page that ForwardAuth protects', () => {
    expect(signOutProblems({ ...base, landingUrl: 'https://auth.example.com/goodbye' }, opts).join()).toContain('/goodbye');
  });

  it('flags a missing client id and a missing oauth2-proxy sign-out', () => {
    expect(signOutProblems({ ...base, oidcClientId: null }, opts).join()).toContain('client_id');
    expect(signOutProblems({ ...base, oauth2ProxySignOutUrl: null }, opts).join()).toContain('oauth2-proxy');
  });
});
