// Audit events: every admin change and every security-relevant protocol
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

type AuditRow = Awaited<ReturnType<Db['prisma']['auditEvent']['findUniqueOrThrow']>>;

function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    actor: r.actorType === 'system' ? { type: 'system', label: r.actorLabel ?? undefined } : { type: r.actorType as 'user' | 'client', id: r.actorId ?? '', label: r.actorLabel ?? undefined },
    action: r.action,
    target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId } : undefined,
    ip: r.ip,
    userAgent: r.userAgent,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

/** `action` matches a prefix; `actions` (when given) an exact set. */
export type AuditFilter = { action?: string; actions?: readonly string[]; actor?: string; target?: string; from?: Date; to?: Date };

/** Newest first, keyset-paged on (at, id) so a page costs the same however deep it is. */
export async function listAuditEvents(
  db: Db,
  filter: AuditFilter,
  page: { before?: { at: Date; id: string }; limit?: number } = {},
): Promise<{ events: AuditEvent[]; next: { at: Date; id: string } | null }> {
  const limit = page.limit ?? 50;
  const and: object[] = [];
  if (filter.action) and.push({ action: { startsWith: filter.action } });
  if (filter.actions) and.push({ action: { in: [...filter.actions] } });
  if (filter.actor) and.push({ OR: [{ actorId: filter.actor }, { actorLabel: { contains: filter.actor } }] });
  if (filter.target) and.push({ OR: [{ targetId: filter.target }, { targetType: filter.target }] });
  if (filter.from) and.push({ at: { gte: filter.from } });
  if (filter.to) and.push({ at: { lt: filter.to } });
  if (page.before) and.push({ OR: [{ at: { lt: page.before.at } }, { at: page.before.at, id: { lt: page.before.id } }] });
  const rows = await db.prisma.auditEvent.findMany({ where: { AND: and }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit + 1 });
  const events = rows.slice(0, limit).map(toAuditEvent);
  const last = events.at(-1);
  return { events, next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
}

export async function listRecentAudit(db: Db, filter: { action?: string; actions?: readonly string[]; limit?: number } = {}): Promise<AuditEvent[]> {
  return (await listAuditEvents(db, { action: filter.action, actions: filter.actions }, { limit: filter.limit ?? 50 })).events;
}
