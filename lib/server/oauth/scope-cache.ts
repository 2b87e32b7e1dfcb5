// Scopes are read by every authorization, token and metadata request but change
// rarely: each instance keeps them for a few seconds. A change made through this
// process drops the copy at once (invalidateCached(db, 'scopes')); other
// instances pick it up within REFRESH_MS, as they do signing keys (key-provider.ts).
import type { OAuthStore, ScopeDefinition } from '../../oauth/ports.ts';
import type { Db } from '../db/client.ts';
import { onInvalidate } from './cache-invalidation.ts';

export const SCOPE_REFRESH_MS = 5_000;

/** The store with `listScopes` cached briefly; everything else passes through. */
export function withCachedScopes(db: Db, store: OAuthStore, now: () => number = Date.now): OAuthStore {
  let cache: { at: number; scopes: Promise<ScopeDefinition[]> } | null = null;
  onInvalidate(db, 'scopes', () => (cache = null));
  return {
    ...store,
    listScopes() {
      if (!cache || now() - cache.at > SCOPE_REFRESH_MS) {
        const loading = store.listScopes();
        cache = { at: now(), scopes: loading };
        // A failed read is not remembered.
        loading.catch(() => {
          if (cache?.scopes === loading) cache = null;
        });
      }
      return cache.scopes;
    },
  };
}
