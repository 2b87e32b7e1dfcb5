// Signing-key lifecycle: the first key on first start, rotation with overlap,
// retirement once no token signed by a key can still be valid.
import { deriveKey } from '../../crypto.ts';
import { generateSigningKey } from '../../keys/signing-key.ts';
import type { Db } from '../db/client.ts';
import { recordAudit, type AuditActor } from '../db/audit.ts';
import { insertActiveSigningKey, listSigningKeys, retireSigningKeysBefore, type StoredSigningKey } from '../db/signing-keys.ts';

export const sealKeyFor = (secret: string) => deriveKey(secret, 'signing-keys');

/** Creates the first signing key when there is no active one; returns its kid if it did. */
export async function ensureActiveSigningKey(db: Db, secret: string): Promise<string | null> {
  const keys = await listSigningKeys(db);
  if (keys.some((k) => k.status === 'active')) return null;
  const key = await generateSigningKey(sealKeyFor(secret));
  await insertActiveSigningKey(db, key);
  await recordAudit(db, { actor: { type: 'system' }, action: 'signing_key.created', target: { type: 'signing_key', id: key.kid } });
  return key.kid;
}

/**
 * A new key signs from now on; the previous one stays in JWKS as retiring so
 * tokens it signed keep verifying until they expire.
 */
export async function rotateSigningKey(db: Db, secret: string, actor: AuditActor): Promise<{ kid: string; retiring: string[] }> {
  const before = (await listSigningKeys(db)).filter((k) => k.status === 'active').map((k) => k.kid);
  const key = await generateSigningKey(sealKeyFor(secret));
  await insertActiveSigningKey(db, key);
  await recordAudit(db, { actor, action: 'signing_key.rotated', target: { type: 'signing_key', id: key.kid }, details: { retiring: before } });
  return { kid: key.kid, retiring: before };
}

/** Retiring keys leave JWKS once the longest access-token lifetime has passed since they stopped signing. */
export async function retireExpiredSigningKeys(db: Db, accessTokenTtlSeconds: number, actor: AuditActor, now = new Date()): Promise<string[]> {
  const retired = await retireSigningKeysBefore(db, new Date(now.getTime() - accessTokenTtlSeconds * 1000), now);
  for (const kid of retired) {
    await recordAudit(db, { actor, action: 'signing_key.retired', target: { type: 'signing_key', id: kid } });
  }
  return retired;
}

/** The key that signs: the newest active one (two instances racing on first start may both create one). */
export function pickSigner(keys: StoredSigningKey[]): StoredSigningKey | null {
  const active = keys.filter((k) => k.status === 'active');
  active.sort((a, b) => (b.activatedAt?.getTime() ?? 0) - (a.activatedAt?.getTime() ?? 0) || a.kid.localeCompare(b.kid));
  return active[0] ?? null;
}
