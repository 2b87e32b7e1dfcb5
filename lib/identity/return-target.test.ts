import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeReturnTarget } from './return-target.ts';

const origin = 'https://gate.example.com';

/** Where a browser ends up when it follows `target` from a Gatehouse page. */
const followed = (target: string) => new URL(target, `${origin}/local-login`);

describe('safeReturnTarget', () => {
  it('keeps a path on Gatehouse, with its query and fragment', () => {
    expect(safeReturnTarget('/admin/clients?notice=deleted#top', origin)).toBe('/admin/clients?notice=deleted#top');
    expect(safeReturnTarget('/oauth/authorize?client_id=a&redirect_uri=https%3A%2F%2Fapp.example%2Fcb', origin)).toBe(
      '/oauth/authorize?client_id=a&redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
    );
  });

  it('turns an absolute URL on the same origin into its path', () => {
    expect(safeReturnTarget('https://gate.example.com/account?tab=tokens', origin)).toBe('/account?tab=tokens');
  });

  const hostile = [
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\/\\/evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '\t//evil.example',
    ' //evil.example',
    '/.//evil.example',
    '/./\\evil.example',
    '/..//evil.example',
    '/a/../..//evil.example',
    'https://evil.example/',
    'https://evil.example',
    'http://gate.example.com/admin',
    'https://gate.example.com:8443/admin',
    'https://gate.example.com.evil.example/',
    'https://gate.example.com@evil.example/',
    'http:evil.example',
    'http:/\\evil.example',
    'javascript:alert(document.cookie)',
    'JaVaScRiPt:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'mailto:a@evil.example',
  ];

  it.each(hostile)('refuses %j', (candidate) => {
    expect(safeReturnTarget(candidate, origin)).toBe('/');
  });

  it('leaves percent-encoded slashes and backslashes as path text, on Gatehouse', () => {
    for (const candidate of ['/%5Cevil.example', '/%09/evil.example', '/%2F%2Fevil.example', '/%5C%5Cevil.example']) {
      const target = safeReturnTarget(candidate, origin);
      expect(target).toBe(candidate);
      expect(followed(target).origin).toBe(origin);
    }
  });

  it('reads a scheme-relative URL as a browser does: a path when the scheme is ours, refused otherwise', () => {
    expect(safeReturnTarget('https:evil.example', origin)).toBe('/evil.example');
    expect(safeReturnTarget('https:evil.example', 'http://127.0.0.1:3000')).toBe('/');
    expect(safeReturnTarget('https://evil.example/', 'http://127.0.0.1:3000')).toBe('/');
  });

  it('answers the fallback for anything that is not a usable string', () => {
    for (const candidate of [undefined, null, '', 42, ['/admin'], {}, 'x'.repeat(5000)]) {
      expect(safeReturnTarget(candidate, origin, '/account')).toBe('/account');
    }
  });

  it('under an issuer with a port, only that port is Gatehouse', () => {
    const local = 'http://127.0.0.1:3000';
    expect(safeReturnTarget('http://127.0.0.1:3000/admin', local)).toBe('/admin');
    expect(safeReturnTarget('http://127.0.0.1:3001/admin', local)).toBe('/');
    expect(safeReturnTarget('http://localhost:3000/admin', local)).toBe('/');
  });

  it('whatever it is given, the answer is a path that a browser resolves to Gatehouse itself', () => {
    const pieces = fc.constantFrom('/', '\\', '//', '\t', '\n', '\r', ' ', '.', '..', ':', '@', '%5C', '%2F', '%09', '?', '#', 'evil.example', 'https:', 'javascript:', 'gate.example.com', ':443', ':8443', 'admin');
    const candidates = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(candidates, (candidate) => {
        const target = safeReturnTarget(candidate, origin);
        expect(target.startsWith('/')).toBe(true);
        expect(/^[/\\]{2}/.test(target)).toBe(false);
        // From any page, as a Location header or an assigned href.
        expect(followed(target).origin).toBe(origin);
        expect(new URL(target, origin).origin).toBe(origin);
      }),
      { numRuns: 2000 },
    );
  });
});
