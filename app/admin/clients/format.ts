// How the clients pages write times and sources: absolute UTC minutes, so the
// server's render and the browser's agree.
export function formatWhen(d: Date | string | null | undefined, never = 'never'): string {
  if (!d) return never;
  return new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export const SOURCE_LABEL: Record<string, string> = {
  admin: 'Admin',
  dynamic: 'Dynamic',
  metadata_document: 'Metadata document',
};
