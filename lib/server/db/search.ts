// Text search shared by the admin lists. SQLite's LIKE already ignores ASCII
// case; PostgreSQL needs ILIKE, which Prisma spells `mode: 'insensitive'` (and
// rejects on SQLite), so the filter depends on the provider.
import type { Db } from './client.ts';

export type TextFilter = { contains: string };

export function containsText(db: Db, text: string): TextFilter {
  return (db.provider === 'postgresql' ? { contains: text, mode: 'insensitive' } : { contains: text }) as TextFilter;
}
