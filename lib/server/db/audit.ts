// Audit events (SPEC §3): every admin change and every security-relevant protocol
// event. Details must never contain secrets; callers pass identifiers only.
import { randomUUID } from 'node:crypto';
import type { Db } from './client.ts';

export type AuditActor =
  | { type: 'user'; id: string; label?: string }
  | { type: 'client'; id: string; label?: string }
  | { type: 'system'; label?: string };

export type AuditInput = {
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
};

export type AuditEvent = AuditInput & { id: string; at: Date };

/** The row for an event, so a use-case can write it inside its own transaction. */
export function auditEventData(input: AuditInput, at = new Date()) {
  return {
    id: randomUUID(),
    at,
    actorType: input.actor.type,
    actorId: 'id' in input.actor ? input.actor.id : null,
    actorLabel: input.actor.label ?? null,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    details: JSON.stringify(input.details ?? {}),
  };
}

export async function recordAudit(db: Db, input: AuditInput, at = new Date()): Promise<void> {
  await db.prisma.auditEvent.create({ data: auditEventData(input, at) });
}

export async function listRecentAudit(db: Db, filter: { action?: string; limit?: number } = {}): Promise<AuditEvent[]> {
  const rows = await db.prisma.auditEvent.findMany({
    where: filter.action ? { action: filter.action } : {},
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: filter.limit ?? 50,
  });
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actorType === 'system' ? { type: 'system', label: r.actorLabel ?? undefined } : { type: r.actorType as 'user' | 'client', id: r.actorId ?? '', label: r.actorLabel ?? undefined },
    action: r.action,
    target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId } : undefined,
    ip: r.ip,
    userAgent: r.userAgent,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}
