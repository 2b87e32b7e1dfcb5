// Signing keys for the protocol core, read from the database and cached briefly
// so that a rotation made through any instance is picked up by all of them
// (a change made through this instance is seen at once: cache-invalidation.ts).
import type { JWK } from 'jose';
import type { KeyProvider, Signer } from '../../oauth/context.ts';
import { openPrivateKey, toJwks } from '../../keys/signing-key.ts';
import type { Db } from '../db/client.ts';
import { listSigningKeys, type StoredSigningKey } from '../db/signing-keys.ts';
import { SIGNER_CACHE_MS, isRetirementDue, pickSigner, retireExpiredSigningKeys, sealKeyFor } from '../keys/signing-keys.ts';
import { log } from '../runtime/logger.ts';
import { onInvalidate } from './cache-invalidation.ts';

type Options = { accessTokenTtlSeconds: number; now?: () => number };

export function createKeyProvider(db: Db, secret: string, { accessTokenTtlSeconds, now = Date.now }: Options): KeyProvider & { invalidate(): void } {
  const sealKey = sealKeyFor(secret);
  const privateKeys = new Map<string, Promise<Signer>>();
  let cache: { at: number; keys: Promise<StoredSigningKey[]> } | null = null;
  // The same JWKS list while the keys are unchanged, so verifiers can cache on it.
  let published: { signature: string; keys: JWK[] } | null = null;
  let sweeping = false;

  function keys(): Promise<StoredSigningKey[]> {
    if (!cache || now() - cache.at > SIGNER_CACHE_MS) {
      const loading = listSigningKeys(db);
      cache = { at: now(), keys: loading };
      loading.catch(() => {
        if (cache?.keys === loading) cache = null;
      });
    }
    return cache.keys;
  }

  /** Records the retirement of keys whose time has come (they already left the JWKS this instance serves). */
  function sweep(): void {
    if (sweeping) return;
    sweeping = true;
    retireExpiredSigningKeys(db, accessTokenTtlSeconds, { type: 'system', label: 'key retirement' }, new Date(now()))
      .then((retired) => {
        if (retired.length) log('info', 'retired signing keys whose tokens have all expired', { kids: retired });
        cache = null;
      })
      .catch((error: unknown) => log('warn', 'could not record signing-key retirement', { error: (error as Error).message }))
      .finally(() => (sweeping = false));
  }

  const provider = {
    async getSigner() {
      const signer = pickSigner(await keys());
      if (!signer) throw new Error('no active signing key: run `gatehouse keys rotate`');
      let loaded = privateKeys.get(signer.kid);
      if (!loaded) {
        loaded = openPrivateKey(signer.privateKeyEnc, sealKey, signer.alg).then((key) => ({ kid: signer.kid, alg: signer.alg, key: key as Signer['key'] }));
        privateKeys.set(signer.kid, loaded);
        loaded.catch(() => privateKeys.delete(signer.kid));
      }
      return loaded;
    },
    /** Pending, active and retiring keys — except retiring ones past their retirement time, even before that is recorded. */
    async getPublicKeys(): Promise<JWK[]> {
      const at = new Date(now());
      const all = await keys();
      const due = all.filter((k) => isRetirementDue(k, accessTokenTtlSeconds, at));
      if (due.length) sweep();
      const jwks = toJwks(all.filter((k) => !due.includes(k))).keys;
      // Published keys are few; comparing their kids is enough to tell a change.
      const signature = jwks.map((k) => k.kid).join(' ');
      if (published?.signature !== signature) published = { signature, keys: jwks };
      return published.keys;
    },
    invalidate() {
      cache = null;
    },
  };
  onInvalidate(db, 'signing-keys', provider.invalidate);
  return provider;
}
