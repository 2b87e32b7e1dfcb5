// An OAuthContext for unit tests of the protocol core: the in-memory store, a
// fresh ES256 key, a fixed clock, and registered clients only (no metadata
// documents). Seed the store through its public fields.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { deriveKey, seal, unseal } from '../../lib/crypto.ts';
import type { OAuthContext } from '../../lib/oauth/context.ts';
import type { NewClientRecord } from '../../lib/oauth/ports.ts';
import { MemoryOAuthStore } from '../../lib/oauth/testing/memory-store.ts';
import { createMemoryReplayGuard } from '../../lib/oauth/replay-guard.ts';
import { createJwkSetSource } from '../../lib/oauth/client-jwks.ts';
import { createPublicFetcher } from '../../lib/oauth/client-metadata-document.ts';

export const TEST_ISSUER = 'https://gate.example.com';
export const TEST_NOW = new Date('2026-03-01T12:00:00.000Z');

export type MemoryContext = OAuthContext & { store: MemoryOAuthStore; setNow(at: Date): void };

export async function createMemoryContext(overrides: Partial<Pick<OAuthContext, 'issuer' | 'ttl' | 'registrationPolicy'>> & { dpopNonce?: boolean } = {}): Promise<MemoryContext> {
  let now = TEST_NOW;
  const store = new MemoryOAuthStore(() => now);
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `kid-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const key = deriveKey('unit-test-secret-0123456789abcdefghij', 'refresh-retry');
  return {
    issuer: overrides.issuer ?? TEST_ISSUER,
    store,
    keys: { getSigner: async () => ({ kid, alg: 'ES256', key: privateKey }), getPublicKeys: async () => [jwk] },
    clients: { resolve: (clientId) => store.findClient(clientId) },
    registrationPolicy: overrides.registrationPolicy ?? 'open',
    replay: createMemoryReplayGuard(() => now),
    // jwks_uri from loopback servers only, as tests serve them (the loopback allowance).
    clientKeys: createJwkSetSource({ fetch: createPublicFetcher({ allowHttpLoopback: true }), now: () => now.getTime() }),
    dpop: { nonce: overrides.dpopNonce ?? false, nonceKey: deriveKey('unit-test-secret-0123456789abcdefghij', 'dpop-nonce') },
    now: () => now,
    ttl: overrides.ttl ?? { accessToken: 900, refreshToken: 30 * 86400, code: 60, refreshReuseGrace: 30 },
    seal: (plaintext) => seal(plaintext, key),
    unseal: (sealed) => unseal(sealed, key),
    setNow(at) {
      now = at;
    },
  };
}

/** A client row with sensible defaults: public, code flow with refresh, one https redirect URI. */
export function clientFixture(overrides: Partial<NewClientRecord> = {}): NewClientRecord {
  return {
    id: randomUUID(),
    clientId: `ghc_${randomUUID().slice(0, 12)}`,
    name: 'Unit test client',
    secretHash: null,
    redirectUris: ['https://app.example/callback'],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'none',
    scope: '',
    logoUri: null,
    clientUri: null,
    applicationType: 'web',
    metadata: {},
    source: 'admin',
    registrationAccessTokenHash: null,
    canIntrospect: false,
    ...overrides,
  };
}
