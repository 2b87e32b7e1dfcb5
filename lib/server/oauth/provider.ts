// Assembles the protocol core's context from the application's parts.
import { deriveKey, seal, unseal } from '../../crypto.ts';
import { createClientMetadataResolver, isClientMetadataDocumentId, syncMetadataDocumentClient } from '../../oauth/client-metadata-document.ts';
import type { ClientResolver, OAuthContext } from '../../oauth/context.ts';
import type { OAuthStore } from '../../oauth/ports.ts';
import type { AppContext } from '../context.ts';
import { createOAuthStore } from '../db/oauth-store.ts';
import { createKeyProvider } from './key-provider.ts';

/** Registered clients from the store; https client ids through their metadata documents, stored so grants can reference them. */
function createClientResolver(store: OAuthStore, allowHttpLoopback: boolean): ClientResolver {
  const documents = createClientMetadataResolver({ allowHttpLoopback });
  return {
    async resolve(clientId) {
      if (!isClientMetadataDocumentId(clientId, { allowHttpLoopback })) return store.findClient(clientId);
      return syncMetadataDocumentClient(store, await documents.resolve(clientId));
    },
  };
}

const globalForOAuth = globalThis as unknown as { __gatehouseOAuth?: { key: AppContext; ctx: OAuthContext } };

export function getOAuthContext(app: AppContext): OAuthContext {
  const cached = globalForOAuth.__gatehouseOAuth;
  if (cached && cached.key.db === app.db && cached.key.secret === app.secret) return cached.ctx;
  const store = createOAuthStore(app.db);
  const retryKey = deriveKey(app.secret, 'refresh-retry');
  const ctx: OAuthContext = {
    issuer: app.config.issuer,
    store,
    keys: createKeyProvider(app.db, app.secret),
    clients: createClientResolver(store, app.config.cimdAllowHttpLoopback),
    now: () => new Date(),
    ttl: app.config.ttl,
    seal: (plaintext) => seal(plaintext, retryKey),
    unseal: (sealed) => unseal(sealed, retryKey),
  };
  globalForOAuth.__gatehouseOAuth = { key: app, ctx };
  return ctx;
}
