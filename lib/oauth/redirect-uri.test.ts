import { describe, expect, it } from 'vitest';
import { isRedirectUriRegistered, redirectUriProblem } from './redirect-uri.ts';

describe('redirectUriProblem (OAuth 2.1 §2.3.1, RFC 8252)', () => {
  it.each(['https://app.example.com/cb', 'http://127.0.0.1:3000/cb', 'http://localhost/cb', 'http://[::1]:8080/cb', 'com.example.app:/oauth'])(
    'accepts %s',
    (uri) => expect(redirectUriProblem(uri)).toBeNull(),
  );

  it.each([
    ['https://app.example.com/cb#x', 'fragment'],
    ['https://*.example.com/cb', 'wildcard'],
    ['http://app.example.com/cb', 'loopback'],
    ['/cb', 'absolute'],
    ['javascript:alert(1)', 'not allowed'],
    ['https://user:pw@app.example.com/cb', 'credentials'],
  ])('rejects %s', (uri, why) => expect(redirectUriProblem(uri)).toContain(why));
});

describe('isRedirectUriRegistered', () => {
  it('matches exactly', () => {
    expect(isRedirectUriRegistered('https://a.example/cb', ['https://a.example/cb'])).toBe(true);
    expect(isRedirectUriRegistered('https://a.example/cb/', ['https://a.example/cb'])).toBe(false);
    expect(isRedirectUriRegistered('https://a.example/cb?x=1', ['https://a.example/cb'])).toBe(false);
  });

  it('lets loopback URIs vary only the port (RFC 8252 §7.3)', () => {
    expect(isRedirectUriRegistered('http://127.0.0.1:49152/cb', ['http://127.0.0.1/cb'])).toBe(true);
    expect(isRedirectUriRegistered('http://127.0.0.1:49152/other', ['http://127.0.0.1/cb'])).toBe(false);
    expect(isRedirectUriRegistered('http://localhost:5/cb', ['http://127.0.0.1/cb'])).toBe(false);
    expect(isRedirectUriRegistered('https://a.example:8443/cb', ['https://a.example/cb'])).toBe(false);
  });
});
