// Assembles the protocol core's context from the application's parts.
import { deriveKey, seal, unseal } from '../../crypto.ts';
import { createJwkSetSource } from '../../oauth/client-jwks.ts';
import { createClientMetadataResolver, createPublicFetcher, isClientMetadataDocumentId, resolveMetadataDocumentClient, type FetchLimiter } from '../../oauth/client-metadata-document.ts';
import type { ClientResolver, OAuthContext } from '../../oauth/context.ts';
import type { OAuthStore } from '../../oauth/ports.ts';
import type { AppContext } from '../context.ts';
import { createOAuthStore } from '../db/oauth-store.ts';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../http/rate-limit.ts';
import { getRedis } from '../runtime/redis.ts';
import { instrumentOAuthStore } from '../observability/store-metrics.ts';
import { createKeyProvider } from './key-provider.ts';
import { createReplayGuard } from './replay-guard.ts';
import { withCachedScopes } from './scope-cache.ts';

/**
 * Registered clients from the store; https client ids through their metadata
 * documents, stored so grants can reference them. The per-host fetch budget is
 * counted in Redis when REDIS_URL is set (every instance spends one budget),
 * else in this process.
 */
function createClientResolver(store: OAuthStore, config: AppContext['config'], limiter: FetchLimiter): ClientResolver {
  const allowHttpLoopback = config.cimdAllowHttpLoopback;
  const documents = createClientMetadataResolver({ allowHttpLoopback, trustedHosts: config.cimdTrustedHosts, fetchLimit: { limiter } });
  return {
    async resolve(clientId) {
      if (!isClientMetadataDocumentId(clientId, { allowHttpLoopback })) return store.findClient(clientId);
      return resolveMetadataDocumentClient(store, documents, clientId);
    },
  };
}

// One context per database connection and per configuration it is built from.
// (Keyed on the Db, not the AppContext object: getAppContext() returns a fresh
// object on every call. The settings are part of the key, so two servers in one
// process — tests running several instances — never share one's issuer or TTLs.)
const globalForOAuth = globalThis as unknown as { __gatehouseOAuthContexts?: WeakMap<AppContext['db'], Map<string, OAuthContext>> };

// The settings object is built once per process: the common case is a lookup.
const byConfig = new WeakMap<AppContext['config'], { db: AppContext['db']; secret: string; ctx: OAuthContext }>();

export function getOAuthContext(app: AppContext): OAuthContext {
  const known = byConfig.get(app.config);
  if (known && known.db === app.db && known.secret === app.secret) return known.ctx;
  const ctx = buildOAuthContext(app);
  byConfig.set(app.config, { db: app.db, secret: app.secret, ctx });
  return ctx;
}

function buildOAuthContext(app: AppContext): OAuthContext {
  const byDb = (globalForOAuth.__gatehouseOAuthContexts ??= new WeakMap());
  let contexts = byDb.get(app.db);
  if (!contexts) byDb.set(app.db, (contexts = new Map()));
  const { cimdAllowHttpLoopback, cimdTrustedHosts, registration } = app.config;
  const key = JSON.stringify([app.secret, app.config.issuer, app.config.ttl, cimdAllowHttpLoopback, cimdTrustedHosts, registration, app.config.redisUrl ?? null, app.config.dpopNonce]);
  const cached = contexts.get(key);
  if (cached) return cached;
  // Counted for /metrics: security events (auth failures) and issued tokens.
  const store = withCachedScopes(app.db, instrumentOAuthStore(createOAuthStore(app.db)));
  const retryKey = deriveKey(app.secret, 'refresh-retry');
  // One per-host fetch budget for everything fetched from a URL a client chose.
  const limiter = app.config.redisUrl ? createRedisRateLimiter(getRedis(app.config.redisUrl), 'gatehouse:cimd:') : createMemoryRateLimiter();
  const jwksFetch = createPublicFetcher({ allowHttpLoopback: cimdAllowHttpLoopback, fetchLimit: { limiter }, maxBytes: 64 * 1024 });
  const ctx: OAuthContext = {
    issuer: app.config.issuer,
    store,
    keys: createKeyProvider(app.db, app.secret, { accessTokenTtlSeconds: app.config.ttl.accessToken }),
    clients: createClientResolver(store, app.config, limiter),
    registrationPolicy: registration,
    replay: createReplayGuard(app.config.redisUrl),
    clientKeys: createJwkSetSource({ fetch: jwksFetch }),
    dpop: { nonce: app.config.dpopNonce, nonceKey: deriveKey(app.secret, 'dpop-nonce') },
    now: () => new Date(),
    ttl: app.config.ttl,
    seal: (plaintext) => seal(plaintext, retryKey),
    unseal: (sealed) => unseal(sealed, retryKey),
  };
  contexts.set(key, ctx);
  return ctx;
}
