// Dynamic Client Registration (RFC 7591) and its management protocol (RFC 7592).
//
// POST /register validates the client metadata (§2), stores the client with a
// fresh client_id, a secret for confidential clients and a registration access
// token — both only as hashes — and answers 201 with the registered metadata
// echoed (§3.2.1). The registration access token then reads (GET), replaces
// (PUT) and deletes (DELETE) the registration at registration_client_uri.
//
// The HTTP layer parses the request and renders the result: every function here
// returns `{ status, body }` or throws an OAuthError (RFC 7591 §3.2.2 codes, and
// 401 invalid_token for RFC 7592 authentication failures).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashToken, randomToken, safeEqual } from '../crypto.ts';
import type { RegistrationPolicy } from './client-trust.ts';
import { OAuthError } from './errors.ts';
import type { OAuthClient, OAuthStore, TokenEndpointAuthMethod } from './ports.ts';
import { redirectUriProblem } from './redirect-uri.ts';
import { parseScope } from './scope.ts';
import { isUrl } from '../parse-url.ts';

export const CLIENT_ID_PREFIX = 'ghc_';
export const CLIENT_SECRET_PREFIX = 'gh_cs_';
export const REGISTRATION_ACCESS_TOKEN_PREFIX = 'gh_rat_';
/** Shown on the consent page when a client registers without a client_name. */
export const DEFAULT_CLIENT_NAME = 'Unnamed client';

export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const SUPPORTED_RESPONSE_TYPES = ['code'] as const;
export const SUPPORTED_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export const SUPPORTED_APPLICATION_TYPES = ['web', 'native'] as const;

const MAX_NAME = 200;
const MAX_URI = 2000;
const MAX_REDIRECT_URIS = 20;
const MAX_CONTACTS = 20;
const MAX_SCOPE = 2000;
/** The whole registered metadata, serialised, extension fields included. */
export const MAX_METADATA_BYTES = 16 * 1024;

/**
 * Fields the server assigns (RFC 7591 §3.2.1, RFC 7592 §3): never taken from a
 * request, never stored as client-supplied metadata. A software statement is
 * not supported, so it is ignored (RFC 7591 §3.1.1 allows that) rather than stored.
 */
const SERVER_MANAGED_FIELDS = new Set([
  'client_id',
  'client_secret',
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
  'software_statement',
]);

export type RegistrationContext = {
  issuer: string;
  now: Date;
  /** The scopes a client may register (RFC 7591 §2 `scope`). */
  knownScopes: string[];
  /** Where registration_client_uri points below; default `${issuer}/register`. */
  registrationEndpoint?: string;
  /** GATEHOUSE_REGISTRATION; `off` refuses new registrations (default `open`). */
  policy?: RegistrationPolicy;
  ip?: string | null;
  userAgent?: string | null;
};

export type RegistrationResponse =
  | { status: 200 | 201; body: Record<string, unknown> }
  | { status: 204; body: null };

type RegistrationStore = Pick<OAuthStore, 'findClient' | 'insertClient' | 'updateClient' | 'deleteClient' | 'recordSecurityEvent'>;

// ---------------------------------------------------------------------------
// Validation (RFC 7591 §2)

function isHttpsUrl(value: string): boolean {
  if (!isUrl(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && !url.username && !url.password;
}

const httpsUrl = z.string().max(MAX_URI, { error: `must be at most ${MAX_URI} characters` }).refine(isHttpsUrl, {
  error: 'must be an absolute https URL',
});

const oneOf = (values: readonly string[]) => ({ error: `must be one of ${values.join(', ')}` });

const ZClientMetadata = z.object({
  redirect_uris: z
    .array(z.string().max(MAX_URI, { error: `must be at most ${MAX_URI} characters` }))
    .max(MAX_REDIRECT_URIS, { error: `at most ${MAX_REDIRECT_URIS} redirect URIs` })
    .optional(),
  token_endpoint_auth_method: z.enum(SUPPORTED_AUTH_METHODS, oneOf(SUPPORTED_AUTH_METHODS)).optional(),
  grant_types: z.array(z.enum(SUPPORTED_GRANT_TYPES, oneOf(SUPPORTED_GRANT_TYPES))).max(10).optional(),
  response_types: z.array(z.enum(SUPPORTED_RESPONSE_TYPES, oneOf(SUPPORTED_RESPONSE_TYPES))).max(10).optional(),
  application_type: z.enum(SUPPORTED_APPLICATION_TYPES, oneOf(SUPPORTED_APPLICATION_TYPES)).optional(),
  client_name: z.string().optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
  tos_uri: httpsUrl.optional(),
  policy_uri: httpsUrl.optional(),
  scope: z.string().max(MAX_SCOPE).optional(),
  contacts: z
    .array(z.string().min(1).max(320))
    .max(MAX_CONTACTS, { error: `at most ${MAX_CONTACTS} contacts` })
    .optional(),
  software_id: z.string().max(255).optional(),
  software_version: z.string().max(255).optional(),
  // RFC 9449 §5.2: the token endpoint then refuses this client's requests without a DPoP proof.
  dpop_bound_access_tokens: z.boolean({ error: 'must be true or false' }).optional(),
});

type Issue = { field: string; message: string };

/** What a validated registration becomes: the client's columns and the metadata to echo. */
export type ValidatedRegistration = {
  columns: {
    name: string;
    redirectUris: string[];
    grantTypes: string[];
    responseTypes: string[];
    tokenEndpointAuthMethod: TokenEndpointAuthMethod;
    scope: string;
    logoUri: string | null;
    clientUri: string | null;
    applicationType: string;
  };
  /** The full registered metadata (known fields normalised, extension fields kept). */
  metadata: Record<string, unknown>;
};

// Control characters and bidirectional overrides would let a name impersonate
// another on the consent page.
const UNSAFE_NAME_CHARS = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

function fail(issues: Issue[]): never {
  const redirect = issues.some((i) => i.field === 'redirect_uris');
  const description = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ');
  throw new OAuthError(redirect ? 'invalid_redirect_uri' : 'invalid_client_metadata', description, { mayRedirect: false });
}

/**
 * Validates client metadata (RFC 7591 §2) and applies its defaults:
 * grant_types `authorization_code`, response_types `code` (with that grant),
 * token_endpoint_auth_method `client_secret_basic`, application_type `web`.
 */
export function validateClientMetadata(raw: Record<string, unknown>, knownScopes: readonly string[]): ValidatedRegistration {
  // A null value is an absent one (RFC 7592 §2.2 treats omitted fields as null).
  const input = Object.fromEntries(
    Object.entries(raw).filter(([k, v]) => v !== null && !SERVER_MANAGED_FIELDS.has(k) && k !== '__proto__'),
  );
  const parsed = ZClientMetadata.safeParse(input);
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((i) => ({
        field: String(i.path[0] ?? ''),
        message: i.path.length > 1 ? `[${i.path.slice(1).join('.')}] ${i.message}` : i.message,
      })),
    );
  }
  const m = parsed.data;
  const issues: Issue[] = [];

  const redirectUris = unique(m.redirect_uris ?? []);
  redirectUris.forEach((uri) => {
    const problem = redirectUriProblem(uri);
    if (problem) issues.push({ field: 'redirect_uris', message: `${uri} ${problem}` });
  });

  const grantTypes = unique(m.grant_types ?? ['authorization_code']);
  const usesCode = grantTypes.includes('authorization_code');
  const responseTypes = unique(m.response_types ?? (usesCode ? ['code'] : []));
  const method = m.token_endpoint_auth_method ?? 'client_secret_basic';

  if (grantTypes.length === 0) issues.push({ field: 'grant_types', message: 'must name at least one grant type' });
  // RFC 7591 §2.1: grant_types and response_types must be consistent.
  if (usesCode !== responseTypes.includes('code')) {
    issues.push({ field: 'response_types', message: 'the authorization_code grant goes with the code response type, and only with it' });
  }
  if (grantTypes.includes('refresh_token') && !usesCode) {
    issues.push({ field: 'grant_types', message: 'refresh_token is only issued with the authorization_code grant' });
  }
  // Machine access is an administrator's decision (docs/configuration.md, "Registration policy").
  if (grantTypes.includes('client_credentials')) {
    issues.push({ field: 'grant_types', message: 'client_credentials is only for clients an administrator creates; ask one for a machine client' });
  }
  if (usesCode && redirectUris.length === 0) {
    issues.push({ field: 'redirect_uris', message: 'at least one redirect URI is required for the authorization_code grant' });
  }

  let name = (m.client_name ?? '').trim();
  if (name.length > MAX_NAME) issues.push({ field: 'client_name', message: `must be at most ${MAX_NAME} characters` });
  if (UNSAFE_NAME_CHARS.test(name)) issues.push({ field: 'client_name', message: 'must not contain control or bidirectional-override characters' });
  if (!name) name = DEFAULT_CLIENT_NAME;

  let scopes: string[] = [];
  try {
    scopes = parseScope(m.scope);
  } catch (err) {
    issues.push({ field: 'scope', message: err instanceof OAuthError ? err.description : 'is not a valid scope string' });
  }
  const unknownScopes = scopes.filter((s) => !knownScopes.includes(s));
  if (unknownScopes.length) issues.push({ field: 'scope', message: `unknown scope: ${unknownScopes.join(' ')}` });

  if (issues.length) fail(issues);

  const applicationType = m.application_type ?? 'web';
  const scope = scopes.join(' ');
  const known: Record<string, unknown> = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
    client_name: name,
    application_type: applicationType,
    ...(scope ? { scope } : {}),
    ...(m.client_uri ? { client_uri: m.client_uri } : {}),
    ...(m.logo_uri ? { logo_uri: m.logo_uri } : {}),
    ...(m.tos_uri ? { tos_uri: m.tos_uri } : {}),
    ...(m.policy_uri ? { policy_uri: m.policy_uri } : {}),
    ...(m.contacts ? { contacts: unique(m.contacts) } : {}),
    ...(m.software_id !== undefined ? { software_id: m.software_id } : {}),
    ...(m.software_version !== undefined ? { software_version: m.software_version } : {}),
    ...(m.dpop_bound_access_tokens !== undefined ? { dpop_bound_access_tokens: m.dpop_bound_access_tokens } : {}),
  };
  // Extension fields (e.g. client_name#ja, jwks_uri, anything newer) are kept and echoed as sent.
  const extensions = Object.fromEntries(Object.entries(input).filter(([k]) => !(k in ZClientMetadata.shape)));
  const metadata = { ...extensions, ...known };
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > MAX_METADATA_BYTES) {
    fail([{ field: '', message: `the client metadata must be at most ${MAX_METADATA_BYTES} bytes` }]);
  }

  return {
    columns: {
      name,
      redirectUris,
      grantTypes,
      responseTypes,
      tokenEndpointAuthMethod: method,
      scope,
      logoUri: m.logo_uri ?? null,
      clientUri: m.client_uri ?? null,
      applicationType,
    },
    metadata,
  };
}

/** The request body as a JSON object: the parsed value, or the raw text to parse. */
function readJsonObject(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      throw new OAuthError('invalid_request', 'the request body must be a JSON object', { mayRedirect: false });
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OAuthError('invalid_request', 'the request body must be a JSON object', { mayRedirect: false });
  }
  return value as Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// Responses (RFC 7591 §3.2.1, RFC 7592 §3)

export function registrationClientUri(ctx: { issuer: string; registrationEndpoint?: string }, clientId: string): string {
  const endpoint = ctx.registrationEndpoint ?? `${ctx.issuer.replace(/\/+$/, '')}/register`;
  return `${endpoint}/${encodeURIComponent(clientId)}`;
}

/** The registered metadata as the client sees it; the columns win over the stored echo (an admin may have edited them). */
export function clientInformation(client: OAuthClient): Record<string, unknown> {
  const body: Record<string, unknown> = Object.fromEntries(
    Object.entries(client.metadata).filter(([k]) => !SERVER_MANAGED_FIELDS.has(k)),
  );
  Object.assign(body, {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    application_type: client.applicationType,
  });
  const optional = { scope: client.scope || null, logo_uri: client.logoUri, client_uri: client.clientUri };
  for (const [key, value] of Object.entries(optional)) {
    if (value) body[key] = value;
    else delete body[key];
  }
  return body;
}

const isConfidential = (method: TokenEndpointAuthMethod) => method !== 'none';
const newClientId = () => randomToken(CLIENT_ID_PREFIX).slice(0, CLIENT_ID_PREFIX.length + 22);

/** For the audit trail: what was registered, never a secret. */
function auditDetails(client: OAuthClient): Record<string, unknown> {
  return {
    name: client.name,
    redirectUris: client.redirectUris,
    grantTypes: client.grantTypes,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    applicationType: client.applicationType,
    scope: client.scope,
    source: client.source,
  };
}

// ---------------------------------------------------------------------------
// RFC 7591 §3: registration

export async function registerClient(store: RegistrationStore, body: unknown, ctx: RegistrationContext): Promise<RegistrationResponse> {
  // RFC 7591 §3.2.2 allows codes beyond its own; access_denied (RFC 6749 §4.1.2.1) says the server refuses, whatever the metadata.
  if (ctx.policy === 'off') {
    throw new OAuthError('access_denied', 'this server does not accept dynamic client registration; ask an administrator for a client', { mayRedirect: false });
  }
  const { columns, metadata } = validateClientMetadata(readJsonObject(body), ctx.knownScopes);
  const clientSecret = isConfidential(columns.tokenEndpointAuthMethod) ? randomToken(CLIENT_SECRET_PREFIX) : null;
  const registrationAccessToken = randomToken(REGISTRATION_ACCESS_TOKEN_PREFIX);

  const client = await store.insertClient({
    id: randomUUID(),
    clientId: newClientId(),
    ...columns,
    secretHash: clientSecret ? hashToken(clientSecret) : null,
    metadata,
    source: 'dynamic',
    registrationAccessTokenHash: hashToken(registrationAccessToken),
    canIntrospect: false,
  });
  await store.recordSecurityEvent({
    action: 'oauth.client_registered',
    clientId: client.clientId,
    targetType: 'client',
    targetId: client.clientId,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
    details: auditDetails(client),
  });

  return {
    status: 201,
    body: {
      ...clientInformation(client),
      // RFC 7591 §3.2.1: 0 = the secret does not expire.
      ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
      registration_access_token: registrationAccessToken,
      registration_client_uri: registrationClientUri(ctx, client.clientId),
    },
  };
}

// ---------------------------------------------------------------------------
// RFC 7592: the client configuration endpoint

function invalidToken(description: string, missing: boolean): OAuthError {
  // RFC 6750 §3.1: no error code in the challenge when no token was sent at all.
  const challenge = missing ? 'Bearer' : 'Bearer error="invalid_token"';
  return new OAuthError('invalid_token', description, { mayRedirect: false, headers: { 'WWW-Authenticate': challenge } });
}

/**
 * RFC 7592 §2: the registration access token as a Bearer token. An unknown
 * client, a client registered otherwise than dynamically, a disabled client and
 * a wrong token all get the same 401, so existence does not leak.
 */
async function authenticate(store: RegistrationStore, clientId: string, registrationAccessToken: string | null | undefined): Promise<OAuthClient> {
  if (!registrationAccessToken) throw invalidToken('a registration access token is required', true);
  const presented = hashToken(registrationAccessToken);
  const client = clientId ? await store.findClient(clientId) : null;
  const stored = client?.registrationAccessTokenHash ?? null;
  // Compare even without a stored hash, so both paths take the same time.
  const matches = safeEqual(presented, stored ?? '');
  if (!client || !stored || !matches || client.source !== 'dynamic' || client.disabled) {
    throw invalidToken('the registration access token is invalid', false);
  }
  return client;
}

/** RFC 7592 §2.1: read the registration. */
export async function readRegistration(
  store: RegistrationStore,
  clientId: string,
  registrationAccessToken: string | null | undefined,
  ctx: { issuer: string; registrationEndpoint?: string },
): Promise<RegistrationResponse> {
  const client = await authenticate(store, clientId, registrationAccessToken);
  return {
    status: 200,
    body: {
      ...clientInformation(client),
      // Not rotated: the token the client used stays valid (RFC 7592 §3).
      registration_access_token: registrationAccessToken as string,
      registration_client_uri: registrationClientUri(ctx, client.clientId),
    },
  };
}

/**
 * RFC 7592 §2.2: replace the registration. The body is the complete new
 * metadata (omitted fields are removed or defaulted) and must carry the
 * client_id; a client_secret in it must be the current one.
 */
export async function updateRegistration(
  store: RegistrationStore,
  clientId: string,
  registrationAccessToken: string | null | undefined,
  body: unknown,
  ctx: RegistrationContext,
): Promise<RegistrationResponse> {
  const client = await authenticate(store, clientId, registrationAccessToken);
  const raw = readJsonObject(body);
  if (raw.client_id !== client.clientId) {
    throw new OAuthError('invalid_client_metadata', 'client_id: must be present and equal the client identifier of this registration', {
      mayRedirect: false,
    });
  }
  if (raw.client_secret !== undefined && raw.client_secret !== null) {
    const same = typeof raw.client_secret === 'string' && client.secretHash !== null && safeEqual(hashToken(raw.client_secret), client.secretHash);
    if (!same) {
      throw new OAuthError('invalid_client_metadata', 'client_secret: must be the secret issued to this client; a client cannot choose its secret', {
        mayRedirect: false,
      });
    }
  }
  const { columns, metadata } = validateClientMetadata(raw, ctx.knownScopes);

  // Moving to a secret-based method issues a secret; moving to `none` drops it.
  let newSecret: string | null = null;
  let secretHash = client.secretHash;
  if (!isConfidential(columns.tokenEndpointAuthMethod)) secretHash = null;
  else if (!secretHash) {
    newSecret = randomToken(CLIENT_SECRET_PREFIX);
    secretHash = hashToken(newSecret);
  }

  // An approval covers the registration an administrator saw: a changed one waits for approval again.
  const changed = Object.entries({ ...columns, metadata }).some(([key, value]) => JSON.stringify(client[key as keyof OAuthClient]) !== JSON.stringify(value));
  const approvalWithdrawn = changed && client.approvedAt !== null;
  const updated = await store.updateClient(client.id, { ...columns, metadata, secretHash, ...(approvalWithdrawn ? { approvedAt: null } : {}) });
  await store.recordSecurityEvent({
    action: 'oauth.client_updated',
    clientId: updated.clientId,
    targetType: 'client',
    targetId: updated.clientId,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
    details: { ...auditDetails(updated), secretIssued: newSecret !== null, secretRemoved: client.secretHash !== null && secretHash === null, approvalWithdrawn },
  });

  return {
    status: 200,
    body: {
      ...clientInformation(updated),
      ...(newSecret ? { client_secret: newSecret, client_secret_expires_at: 0 } : {}),
      registration_access_token: registrationAccessToken as string,
      registration_client_uri: registrationClientUri(ctx, updated.clientId),
    },
  };
}

/** RFC 7592 §2.3: delete the registration; its grants and tokens go with it. */
export async function deleteRegistration(
  store: RegistrationStore,
  clientId: string,
  registrationAccessToken: string | null | undefined,
  ctx: { ip?: string | null; userAgent?: string | null } = {},
): Promise<RegistrationResponse> {
  const client = await authenticate(store, clientId, registrationAccessToken);
  await store.deleteClient(client.id);
  await store.recordSecurityEvent({
    action: 'oauth.client_deleted',
    clientId: client.clientId,
    targetType: 'client',
    targetId: client.clientId,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
    details: { name: client.name, source: client.source },
  });
  return { status: 204, body: null };
}
