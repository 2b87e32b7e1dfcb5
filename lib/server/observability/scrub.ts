// The last line of defence against secrets in logs: every string that reaches
// a log line passes through scrubSecrets(), which masks anything shaped like a
// Gatehouse credential (gh_rt_…, gh_pat_…, gh_team_…, gh_cs_…, gh_rat_…, gh_ac_…),
// a JWT or JWE (eyJ….….…), an Authorization value, a session cookie, or a
// secret-bearing query parameter — and the exact values registered with
// addSensitiveValues() (GATEHOUSE_SECRET, the proxy secret, the metrics token).
// Callers should not log such values at all; this only catches mistakes.

export const REDACTED = '[REDACTED]';

const SECRET_PARAMS = 'code|code_verifier|client_secret|refresh_token|access_token|id_token|token|registration_access_token|ticket|password|assertion|subject_token';

const PATTERNS: Array<[RegExp, string]> = [
  // Gatehouse's own prefixed credentials; base64url bodies.
  [/gh_(?:rt|pat|team|cs|rat|ac)_[A-Za-z0-9_-]*/g, REDACTED],
  // JWS (3 parts) and JWE (5 parts, possibly with an empty encrypted key).
  [/eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){2,4}/g, REDACTED],
  // Authorization header values, wherever they ended up.
  [/\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // Session cookies (next-auth and Gatehouse's own names, __Host-/__Secure- prefixed ones).
  [/((?:__Host-|__Secure-)?(?:gatehouse|next-auth)\.[A-Za-z0-9._-]+=)[^;\s,"']+/g, `$1${REDACTED}`],
  // Secret-bearing parameters in URLs and form bodies, and as quoted JSON members.
  [new RegExp(`((?:^|[?&])(?:${SECRET_PARAMS})=)[^&\\s"'#]+`, 'gim'), `$1${REDACTED}`],
  [new RegExp(`("(?:${SECRET_PARAMS})"\\s*:\\s*")[^"]+`, 'gi'), `$1${REDACTED}`],
];

const globalForScrub = globalThis as unknown as { __gatehouseSensitiveValues?: Set<string> };

function sensitiveValues(): Set<string> {
  return (globalForScrub.__gatehouseSensitiveValues ??= new Set());
}

/** Exact values never to print (configured secrets); values shorter than 8 characters are ignored. */
export function addSensitiveValues(values: Array<string | null | undefined>): void {
  for (const value of values) if (value && value.length >= 8) sensitiveValues().add(value);
}

export function scrubSecrets(text: string): string {
  let out = text;
  for (const value of sensitiveValues()) if (out.includes(value)) out = out.split(value).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Field names whose values are always masked, whatever they look like. */
const SENSITIVE_KEY = /^(?:authorization|proxy-authorization|cookie|set-cookie|x-gatehouse-proxy-secret|password|passwd|secret|client_secret|token|access_token|refresh_token|id_token|registration_access_token|code_verifier|ticket|assertion|session_token)$/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** A deep copy of a log field value with every string scrubbed and sensitive keys masked. */
export function scrubValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { name: value.name, message: scrubSecrets(value.message), ...(value.stack ? { stack: scrubSecrets(value.stack) } : {}) };
  }
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) && item !== null && item !== undefined && item !== '' ? REDACTED : scrubValue(item, depth + 1, seen);
  }
  return out;
}

/**
 * pino `redact` paths: the same keys at the top level and one or two levels down
 * (req.headers.authorization, headers.cookie, …). scrubValue() already masks
 * them in log() fields; these also cover direct uses of the pino logger.
 */
export const REDACT_PATHS: string[] = (() => {
  const keys = [
    'authorization',
    '"proxy-authorization"',
    'cookie',
    '"set-cookie"',
    '"x-gatehouse-proxy-secret"',
    'password',
    'secret',
    'client_secret',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'registration_access_token',
    'code_verifier',
    'ticket',
  ];
  const paths: string[] = [];
  for (const key of keys) {
    const access = key.startsWith('"') ? `[${key}]` : `.${key}`;
    paths.push(key.startsWith('"') ? `[${key}]` : key, `*${access}`, `*.*${access}`);
  }
  return paths;
})();
