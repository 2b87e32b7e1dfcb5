// What the runner and the server adapters share: the seeded credentials each
// server hands the load generator, and the handle of a running server.

export type ServerName = 'gatehouse' | 'oidc-provider' | 'better-auth' | 'floor';

export type Endpoint = 'metadata' | 'client_credentials' | 'code_exchange' | 'refresh' | 'refresh_dpop' | 'introspect_jwt' | 'introspect_personal' | 'revoke' | 'jwks';

/** How many single-use credentials to create: each code or refresh token is sent once. */
export type SeedCounts = { codes: number; refresh: number; revoke: number; dpopRefresh: number };

export type PkceCode = { code: string; verifier: string };

export type Seeds = {
  /** A confidential client allowed client_credentials, authorization_code, refresh_token and introspection. */
  client: { id: string; secret: string };
  redirectUri: string;
  /** The resource (audience) the codes were issued for, when the server binds one. */
  resource: string | null;
  codes: PkceCode[];
  /** Refresh tokens to rotate, each once. */
  refresh: string[];
  /** Refresh tokens to revoke, each once. */
  revoke: string[];
  /** A public client's refresh tokens bound to a DPoP key (RFC 9449 §5), with that key (private, ES256), where the server has them. */
  dpopRefresh?: { clientId: string; key: import('jose').JWK; tokens: string[] };
  /** A token to introspect instead of the access token of a code exchange (set where that one is not introspectable). */
  introspectToken?: { token: string; note: string };
  /** A personal (long-lived API) token, where the server has them. */
  personalToken: string | null;
};

export type Paths = { metadata: string; token: string; introspect: string; revoke: string; jwks: string };

export type RunningServer = {
  name: ServerName;
  url: string;
  paths: Paths;
  seeds: Seeds;
  /** Process ids to profile or report (the server's own process). */
  pid: number | undefined;
  stop(): Promise<void>;
};

export type StartOptions = { port: number; dataDir: string; counts: SeedCounts; log: (line: string) => void };
