// Scopes (RFC 6749 §3.3): space-delimited, case-sensitive tokens of NQCHAR.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from './errors.ts';
import { formatScope, isSubset, parseScope, resolveRequestedScope } from './scope.ts';

// NQCHAR = %x21 / %x23-5B / %x5D-7E
const NQCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => c !== '"' && c !== '\\');
const scopeToken = fc.string({ unit: fc.constantFrom(...NQCHAR), minLength: 1, maxLength: 20 });

function scopeError(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('expected an error');
}

describe('parseScope', () => {
  it('reads nothing from an absent or empty value', () => {
    expect(parseScope(undefined)).toEqual([]);
    expect(parseScope(null)).toEqual([]);
    expect(parseScope('')).toEqual([]);
    expect(parseScope('   ')).toEqual([]);
  });

  it('splits on spaces, tolerates repeated spaces, drops duplicates, keeps order and case', () => {
    expect(parseScope('mcp:tools  offline_access openid')).toEqual(['mcp:tools', 'offline_access', 'openid']);
    expect(parseScope(' b a b ')).toEqual(['b', 'a']);
    expect(parseScope('Read read')).toEqual(['Read', 'read']);
  });

  it('refuses characters outside NQCHAR with invalid_scope', () => {
    for (const bad of ['a"b', 'a\\b', 'a\tb', 'a\nb', 'é', 'a\u0000', 'ok bad\u007f']) {
      expect(scopeError(() => parseScope(bad)).code, JSON.stringify(bad)).toBe('invalid_scope');
    }
  });

  it('round-trips every list of valid tokens through formatScope', () => {
    fc.assert(
      fc.property(fc.uniqueArray(scopeToken, { maxLength: 10 }), (tokens) => {
        expect(parseScope(formatScope(tokens))).toEqual(tokens);
      }),
    );
  });
});

describe('isSubset', () => {
  it('is true only when every requested scope is allowed', () => {
    expect(isSubset([], ['a'])).toBe(true);
    expect(isSubset(['a'], ['a', 'b'])).toBe(true);
    expect(isSubset(['a', 'c'], ['a', 'b'])).toBe(false);
    expect(isSubset(['A'], ['a'])).toBe(false);
  });
});

describe('resolveRequestedScope', () => {
  const known = ['openid', 'offline_access', 'mcp:tools', 'mcp:read', 'admin'];
  const defaults = ['mcp:tools', 'openid'];

  it('gives the defaults the client may have when nothing was asked for', () => {
    expect(resolveRequestedScope([], { known, defaults, clientScope: [] })).toEqual(['mcp:tools', 'openid']);
    expect(resolveRequestedScope([], { known, defaults, clientScope: ['openid', 'mcp:read'] })).toEqual(['openid']);
    expect(resolveRequestedScope([], { known, defaults, clientScope: ['mcp:read'] })).toEqual([]);
  });

  it('gives what was asked for when known and allowed', () => {
    expect(resolveRequestedScope(['admin', 'openid'], { known, defaults, clientScope: [] })).toEqual(['admin', 'openid']);
    expect(resolveRequestedScope(['mcp:read'], { known, defaults, clientScope: ['mcp:read', 'openid'] })).toEqual(['mcp:read']);
  });

  it('refuses an unknown scope with invalid_scope', () => {
    const error = scopeError(() => resolveRequestedScope(['mcp:tools', 'nope'], { known, defaults, clientScope: [] }));
    expect(error.code).toBe('invalid_scope');
    expect(error.description).toContain('nope');
  });

  it('refuses a known scope the client may not have with invalid_scope', () => {
    const error = scopeError(() => resolveRequestedScope(['admin'], { known, defaults, clientScope: ['mcp:read'] }));
    expect(error.code).toBe('invalid_scope');
    expect(error.description).toContain('admin');
  });

  it('never grants more than allowed, whatever is asked', () => {
    fc.assert(
      fc.property(fc.subarray(known), fc.subarray(known), (requested, clientScope) => {
        let granted: string[];
        try {
          granted = resolveRequestedScope(requested, { known, defaults, clientScope });
        } catch (error) {
          expect((error as OAuthError).code).toBe('invalid_scope');
          return;
        }
        expect(isSubset(granted, clientScope.length ? clientScope : known)).toBe(true);
        if (requested.length) expect(granted).toEqual(requested);
      }),
    );
  });
});
