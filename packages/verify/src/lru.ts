// A bounded cache whose entries each carry their own expiry: insertion order is
// recency (a hit moves the entry to the end), the oldest entry goes first when
// full, and an expired entry is never returned.

type Entry<V> = { value: V; expiresAt: number };

export class ExpiringLru<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new TypeError('maxEntries must be a non-negative integer');
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value if present and `now` is before its expiry (milliseconds). */
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    // Most recently used goes last; skip the reinsertion when it already is.
    if (this.#entries.size > 1) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (milliseconds); ignored when that is not after `now`. */
  set(key: K, value: V, expiresAt: number, now: number): void {
    if (this.maxEntries === 0 || !(expiresAt > now)) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
