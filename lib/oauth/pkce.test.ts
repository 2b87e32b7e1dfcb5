// PKCE (RFC 7636), S256 only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidCodeChallenge, isValidCodeVerifier, s256, verifyPkce } from './pkce.ts';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const verifier = fc.string({ unit: fc.constantFrom(...UNRESERVED.split('')), minLength: 43, maxLength: 128 });

describe('S256 (RFC 7636 §4.2)', () => {
  it('matches the Appendix B example', () => {
    expect(s256(VERIFIER)).toBe(CHALLENGE);
    expect(verifyPkce(VERIFIER, CHALLENGE)).toBe(true);
  });

  it('refuses any other verifier for the example challenge', () => {
    expect(verifyPkce(`${VERIFIER.slice(0, -1)}l`, CHALLENGE)).toBe(false);
    expect(verifyPkce(VERIFIER, CHALLENGE.toLowerCase())).toBe(false);
    // The challenge itself is not a verifier for itself (that would be "plain").
    expect(verifyPkce(CHALLENGE, CHALLENGE)).toBe(false);
  });

  it('every valid verifier produces a valid challenge that verifies it', () => {
    fc.assert(
      fc.property(verifier, (v) => {
        expect(isValidCodeVerifier(v)).toBe(true);
        const challenge = s256(v);
        expect(isValidCodeChallenge(challenge)).toBe(true);
        expect(verifyPkce(v, challenge)).toBe(true);
      }),
    );
  });
});

describe('the verifier (RFC 7636 §4.1)', () => {
  it('is 43 to 128 unreserved characters', () => {
    expect(isValidCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isValidCodeVerifier('a'.repeat(43))).toBe(true);
    expect(isValidCodeVerifier('a'.repeat(128))).toBe(true);
    expect(isValidCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isValidCodeVerifier(UNRESERVED.slice(0, 60))).toBe(true);
    for (const bad of ['+', '/', '=', ' ', '%', 'é', '\n']) expect(isValidCodeVerifier(`${'a'.repeat(43)}${bad}`), JSON.stringify(bad)).toBe(false);
  });

  it('a malformed verifier never verifies, even when its digest matches', () => {
    const short = 'a'.repeat(42);
    expect(verifyPkce(short, s256(short))).toBe(false);
    const long = 'a'.repeat(129);
    expect(verifyPkce(long, s256(long))).toBe(false);
  });
});

describe('the challenge', () => {
  it('is exactly 43 base64url characters (a SHA-256 digest, unpadded)', () => {
    expect(isValidCodeChallenge(CHALLENGE)).toBe(true);
    expect(isValidCodeChallenge(CHALLENGE.slice(1))).toBe(false);
    expect(isValidCodeChallenge(`${CHALLENGE}A`)).toBe(false);
    expect(isValidCodeChallenge(`${CHALLENGE.slice(1)}=`)).toBe(false);
    expect(isValidCodeChallenge(CHALLENGE.replace('-', '+'))).toBe(false);
    expect(isValidCodeChallenge('')).toBe(false);
  });
});
