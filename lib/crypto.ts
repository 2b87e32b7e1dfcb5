// Secrets handling shared by every layer: random tokens, hashes for storage,
// constant-time comparison, and authenticated encryption for data at rest.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

// Random bytes are cut from a pool of CSPRNG output, each byte handed out once:
// one randomBytes call per 4 KiB instead of one per token (each call has a
// fixed cost that small reads pay in full). Node's randomUUID pools the same way.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** `length` (≤ 4096) bytes from the CSPRNG, never handed out before; a copy the caller may keep. */
export function pooledRandomBytes(length: number): Buffer {
  if (offset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += length;
  return Buffer.from(pool.subarray(offset - length, offset));
}

/** 256 bits of randomness, base64url, with an optional scanner-friendly prefix. */
export function randomToken(prefix = ''): string {
  return prefix + pooledRandomBytes(32).toString('base64url');
}

/** Tokens carry 256 bits of entropy, so a plain SHA-256 is a sufficient at-rest hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two strings in time independent of where they differ (and of their lengths). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** A 32-byte key for one purpose, derived from GATEHOUSE_SECRET (RFC 5869 HKDF). */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `gatehouse:${purpose}`, 32));
}

const SEALED_VERSION = 'v1';

/** AES-256-GCM; output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function seal(plaintext: string, key: Buffer): string {
  const iv = pooledRandomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function unseal(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== SEALED_VERSION || !iv || !tag || body === undefined) throw new Error('sealed value has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
