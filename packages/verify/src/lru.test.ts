import { describe, expect, it } from 'vitest';
import { ExpiringLru } from './lru.ts';

describe('ExpiringLru', () => {
  it('evicts the least recently used entry and never returns an expired one', () => {
    const lru = new ExpiringLru<string, number>(2);
    lru.set('a', 1, 100, 0);
    lru.set('b', 2, 100, 0);
    expect(lru.get('a', 1)).toBe(1);
    lru.set('c', 3, 100, 1);
    expect(lru.get('b', 2)).toBeUndefined();
    expect(lru.get('a', 2)).toBe(1);
    expect(lru.get('a', 100)).toBeUndefined();
    expect(lru.size).toBe(1);
  });

  it('ignores entries that would already be expired, and a zero size stores nothing', () => {
    const lru = new ExpiringLru<string, number>(2);
    lru.set('a', 1, 10, 10);
    expect(lru.size).toBe(0);
    const none = new ExpiringLru<string, number>(0);
    none.set('a', 1, 100, 0);
    expect(none.get('a', 0)).toBeUndefined();
  });
});
