// The names in the scope table: what a client may be allowed to ask for.
import type { Db } from './client.ts';

export async function listScopeNames(db: Db): Promise<string[]> {
  const rows = await db.prisma.scope.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
  return rows.map((r) => r.name);
}
