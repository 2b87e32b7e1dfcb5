// Signing-key lifecycle (docs/signing-keys.md): the first key on first
// start; rotation either at once or in stages (publish → make signer); retirement
// once no token signed by a key can still be valid.
import { deriveKey } from '../../crypto.ts';
import { generateSigningKey } from '../../keys/signing-key.ts';
import type { AuditActor } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import {
  countLiveAccessTokensByKid,
  insertActiveSigningKey,
  insertPendingSigningKey,
  listSigningKeys,
  promotePendingSigningKey,
  retireSigningKey,
  retireSigningKeysBefore,
  type StoredSigningKey,
} from '../db/signing-keys.ts';

export const sealKeyFor = (secret: string) => deriveKey(secret, 'signing-keys');

/**
 * How long an instance may keep signing with a key after another instance made
 * a new one the signer: the key provider's cache lifetime (key-provider.ts).
 * Retirement waits this much longer than the access-token lifetime.
 */
export const SIGNER_CACHE_MS = 5_000;

/** Creates the first signing key when there is no active one; returns its kid if it did. */
export async function ensureActiveSigningKey(db: Db, secret: string): Promise<string | null> {
  const keys = await listSigningKeys(db);
  if (keys.some((k) => k.status === 'active')) return null;
  const key = await generateSigningKey(sealKeyFor(secret));
  await insertActiveSigningKey(db, key, { actor: { type: 'system' }, action: 'signing_key.created' });
  return key.kid;
}

/**
 * Rotation in one step: a new key signs from now on; the previous one stays in
 * JWKS as retiring so tokens it signed keep verifying until they expire.
 * Resource servers that cached the JWKS before the new key existed refetch it
 * on an unknown kid; staged rotation (publishSigningKey) avoids even that.
 */
export async function rotateSigningKey(db: Db, secret: string, actor: AuditActor): Promise<{ kid: string; retiring: string[] }> {
  const key = await generateSigningKey(sealKeyFor(secret));
  const retiring = await insertActiveSigningKey(db, key, { actor, action: 'signing_key.rotated' });
  return { kid: key.kid, retiring };
}

/** Staged rotation, step 1: a new key appears in JWKS without signing. */
export async function publishSigningKey(db: Db, secret: string, actor: AuditActor): Promise<{ ok: true; kid: string } | { ok: false; message: string }> {
  const key = await generateSigningKey(sealKeyFor(secret));
  const outcome = await insertPendingSigningKey(db, key, actor);
  if (outcome === 'pending_exists') return { ok: false, message: 'A new key is already published and waiting; make it the signer or discard it first.' };
  return { ok: true, kid: key.kid };
}

/** Staged rotation, step 2: the pending key signs; the previous signer starts retiring. */
export async function activateSigningKey(db: Db, kid: string, actor: AuditActor): Promise<{ ok: true; retiring: string[] } | { ok: false; message: string }> {
  const outcome = await promotePendingSigningKey(db, kid, actor);
  return outcome.ok ? outcome : { ok: false, message: 'That key is not waiting to become the signer (it may have been activated or discarded meanwhile).' };
}

/** When a retiring key leaves JWKS on its own: no token it signed can still be valid. */
export function retirementDueAt(key: Pick<StoredSigningKey, 'status' | 'retiringAt'>, accessTokenTtlSeconds: number): Date | null {
  if (key.status !== 'retiring' || !key.retiringAt) return null;
  return new Date(key.retiringAt.getTime() + accessTokenTtlSeconds * 1000 + SIGNER_CACHE_MS);
}

export function isRetirementDue(key: Pick<StoredSigningKey, 'status' | 'retiringAt'>, accessTokenTtlSeconds: number, now = new Date()): boolean {
  const due = retirementDueAt(key, accessTokenTtlSeconds);
  return due !== null && due <= now;
}

/** Retiring keys leave JWKS once the longest access-token lifetime has passed since they stopped signing. */
export async function retireExpiredSigningKeys(db: Db, accessTokenTtlSeconds: number, actor: AuditActor, now = new Date()): Promise<string[]> {
  return retireSigningKeysBefore(db, new Date(now.getTime() - accessTokenTtlSeconds * 1000 - SIGNER_CACHE_MS), actor, now);
}

/**
 * Retires a retiring (or discards a pending) key now. Tokens it signed that are
 * still live stop verifying; the caller is told how many, and the audit says so.
 */
export async function retireSigningKeyNow(db: Db, kid: string, actor: AuditActor, now = new Date()): Promise<{ ok: true; liveTokens: number } | { ok: false; message: string }> {
  const liveTokens = (await countLiveAccessTokensByKid(db, now)).get(kid) ?? 0;
  const retired = await retireSigningKey(db, kid, actor, { reason: 'manual', liveTokens }, now);
  return retired ? { ok: true, liveTokens } : { ok: false, message: 'Only a pending or retiring key can be retired; the signer must be replaced first.' };
}

/** The key that signs: the newest active one (two instances racing on first start may both create one). */
export function pickSigner(keys: StoredSigningKey[]): StoredSigningKey | null {
  const active = keys.filter((k) => k.status === 'active');
  active.sort((a, b) => (b.activatedAt?.getTime() ?? 0) - (a.activatedAt?.getTime() ?? 0) || a.kid.localeCompare(b.kid));
  return active[0] ?? null;
}
