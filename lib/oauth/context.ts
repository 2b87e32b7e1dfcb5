// Everything the protocol core needs for one request, injected by the server
// (lib/server/oauth/provider.ts) or by unit tests with in-memory parts.
import type { CryptoKey, JWK } from 'jose';
import type { JwkSetSource } from './client-jwks.ts';
import type { RegistrationPolicy } from './client-trust.ts';
import type { DpopSettings } from './dpop.ts';
import type { OAuthClient, OAuthStore } from './ports.ts';
import type { ReplayGuard } from './replay-guard.ts';

export type Signer = { kid: string; alg: string; key: CryptoKey };

export interface KeyProvider {
  /** The key that signs now. */
  getSigner(): Promise<Signer>;
  /** Every published public key (pending, active and retiring), for JWKS and for verifying our own tokens. */
  getPublicKeys(): Promise<JWK[]>;
}

export interface ClientResolver {
  /** A registered client, or one described by a Client ID Metadata Document. */
  resolve(clientId: string): Promise<OAuthClient | null>;
}

export type OAuthContext = {
  issuer: string;
  store: OAuthStore;
  keys: KeyProvider;
  clients: ClientResolver;
  /** GATEHOUSE_REGISTRATION (lib/oauth/client-trust.ts). */
  registrationPolicy: RegistrationPolicy;
  /** Single use of DPoP proof and client assertion `jti`s (lib/oauth/replay-guard.ts). */
  replay: ReplayGuard;
  /** The public keys of private_key_jwt clients, pasted or behind a jwks_uri (lib/oauth/client-jwks.ts). */
  clientKeys: JwkSetSource;
  /** DPoP server nonces (GATEHOUSE_DPOP_NONCE, lib/oauth/dpop.ts). */
  dpop: DpopSettings;
  now: () => Date;
  ttl: { accessToken: number; refreshToken: number; code: number; refreshReuseGrace: number };
  /** Seals the token response kept for a refresh retry within the grace window. */
  seal(plaintext: string): string;
  unseal(sealed: string): string;
};
