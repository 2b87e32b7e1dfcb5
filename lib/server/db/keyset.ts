// Opaque keyset cursors: "(sort value, id)" of the last row of a page, so the
// next page is one indexed range scan however deep the list goes.
import { z } from 'zod';

export type Cursor = { value: string; id: string };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

/** Undefined for a missing or malformed cursor: the list starts from its first page. */
export function decodeCursor(raw: string | undefined | null): Cursor | undefined {
  if (!raw || raw.length > 512) return undefined;
  try {
    const parsed = z.tuple([z.string().max(200), z.string().max(200)]).safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed.success ? { value: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}
