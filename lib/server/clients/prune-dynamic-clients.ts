// Pruning dynamically registered clients nobody uses. MCP clients register
// again on every install or reconnect, leaving rows behind; a client is pruned
// when it was registered dynamically, is older than the idle period, has not
// been used within it, and has no live (unrevoked) grant — see
// prunableWhere in lib/server/db/clients.ts for why only `dynamic` ones.
import type { Db } from '../db/client.ts';
import type { AuditActor } from '../db/audit.ts';
import { countPrunableDynamicClients, pruneDynamicClients } from '../db/clients.ts';

export type PruneRequest = {
  /** Unused for at least this long (and registered at least this long ago). */
  idleSeconds: number;
  dryRun?: boolean;
  actor: AuditActor;
  /** Recorded in each audit event: manual, cli, schedule. */
  reason: string;
  now?: Date;
};

export function pruneCutoff(idleSeconds: number, now = new Date()): Date {
  return new Date(now.getTime() - idleSeconds * 1000);
}

/** How many would go (dry run), or how many went. */
export async function pruneUnusedDynamicClients(db: Db, request: PruneRequest): Promise<{ count: number; dryRun: boolean }> {
  const now = request.now ?? new Date();
  const cutoff = pruneCutoff(request.idleSeconds, now);
  if (request.dryRun) return { count: await countPrunableDynamicClients(db, cutoff), dryRun: true };
  const { pruned } = await pruneDynamicClients(db, cutoff, request.actor, { reason: request.reason, now });
  return { count: pruned, dryRun: false };
}
