// Signing keys for the protocol core, read from the database and cached briefly
// so that a rotation made through any instance is picked up by all of them.
import type { JWK } from 'jose';
import type { KeyProvider, Signer } from '../../oauth/context.ts';
import { openPrivateKey, toJwks } from '../../keys/signing-key.ts';
import type { Db } from '../db/client.ts';
import { listSigningKeys, type StoredSigningKey } from '../db/signing-keys.ts';
import { pickSigner, sealKeyFor } from '../keys/signing-keys.ts';

const REFRESH_MS = 5_000;

export function createKeyProvider(db: Db, secret: string, now: () => number = Date.now): KeyProvider & { invalidate(): void } {
  const sealKey = sealKeyFor(secret);
  const privateKeys = new Map<string, Promise<Signer>>();
  let cache: { at: number; keys: Promise<StoredSigningKey[]> } | null = null;
  // The same JWKS list while the keys are unchanged, so verifiers can cache on it.
  let published: { from: Promise<StoredSigningKey[]>; signature: string; keys: JWK[] } | null = null;

  function keys(): Promise<StoredSigningKey[]> {
    if (!cache || now() - cache.at > REFRESH_MS) {
      const loading = listSigningKeys(db);
      cache = { at: now(), keys: loading };
      loading.catch(() => (cache = null));
    }
    return cache.keys;
  }

  return {
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
    async getPublicKeys(): Promise<JWK[]> {
      const from = keys();
      const stored = await from;
      if (published?.from !== from) {
        const jwks = toJwks(stored).keys;
        const signature = JSON.stringify(jwks);
        published = { from, signature, keys: published?.signature === signature ? published.keys : jwks };
      }
      return published.keys;
    },
    invalidate() {
      cache = null;
    },
  };
}
