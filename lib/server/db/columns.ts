// Column codecs shared by the persistence module: lists are JSON text (SQLite
// has no scalar lists) and scopes are space-separated, as on the wire.

export function splitScope(value: string): string[] {
  return value.split(' ').filter(Boolean);
}

export function joinScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/**
 * A JSON list of strings. Anything else in the column is corruption and throws,
 * rather than being read as "no restriction" or silently as something else.
 */
export function parseList(value: string, column: string): string[] {
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new Error(`${column} is not a JSON list of strings`);
  }
  return parsed;
}

export function parseObject(value: string, column: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(value);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${column} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
