import { describe, expect, it } from 'vitest';
import { deriveKey, hashToken, pooledRandomBytes, randomToken, safeEqual, seal, unseal } from './crypto.ts';

describe('crypto', () => {
  it('makes prefixed tokens with 256 bits of randomness', () => {
    const token = randomToken('gh_rt_');
    expect(token).toMatch(/^gh_rt_[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(randomToken());
  });

  it('hands out pooled random bytes once each, across pool refills, as copies that stay put', () => {
    const kept = pooledRandomBytes(32);
    const snapshot = Buffer.from(kept);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(pooledRandomBytes(i % 2 ? 32 : 12).toString('hex'));
    expect(seen.size).toBe(20_000);
    expect(kept.equals(snapshot)).toBe(true);
    const tokens = new Set(Array.from({ length: 5_000 }, () => randomToken()));
    expect(tokens.size).toBe(5_000);
  });

  it('hashes deterministically and never returns the token', () => {
    const token = randomToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toContain(token);
    expect(hashToken(token)).toHaveLength(64);
  });

  it('compares strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });

  it('seals and unseals; a wrong key or a tampered value fails', () => {
    const key = deriveKey('x'.repeat(40), 'signing-keys');
    const sealed = seal('{"d":"private"}', key);
    expect(sealed).not.toContain('private');
    expect(unseal(sealed, key)).toBe('{"d":"private"}');
    expect(() => unseal(sealed, deriveKey('y'.repeat(40), 'signing-keys'))).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => unseal(parts.join('.'), key)).toThrow();
  });

  it('derives different keys for different purposes', () => {
    expect(deriveKey('s'.repeat(40), 'a').equals(deriveKey('s'.repeat(40), 'b'))).toBe(false);
  });
});
