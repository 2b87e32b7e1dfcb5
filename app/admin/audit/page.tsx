// The audit log: every admin change and security event, newest first,
// filtered by actor, action, target and time; the filters live in the URL.
import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { Card, EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { TableHead } from '@/components/ui/table';
import { requireAdmin } from '@/lib/server/auth/current-user';
import { getAppContext } from '@/lib/server/context';
import { listAuditEvents } from '@/lib/server/db/audit';

export const metadata: Metadata = { title: 'Audit log' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const text = z.string().trim().max(200).optional().catch(undefined).transform((v) => v || undefined);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined);
const ZAuditQuerySchema = z.object({
  action: text,
  actor: text,
  target: text,
  from: day,
  to: day,
  // "<ISO time>_<id>": where the previous page ended.
  before: z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z_[\w-]+$/).optional().catch(undefined),
});

export default async function AuditLogPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdmin();
  const raw = await searchParams;
  const q = ZAuditQuerySchema.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])));
  const [beforeAt, beforeId] = q.before ? q.before.split('_') : [];
  const { events, next } = await listAuditEvents(
    getAppContext().db,
    {
      action: q.action,
      actor: q.actor,
      target: q.target,
      from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
      // The whole "to" day is included.
      to: q.to ? new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86_400_000) : undefined,
    },
    { before: beforeAt ? { at: new Date(beforeAt), id: beforeId } : undefined, limit: 50 },
  );
  const filters = new URLSearchParams(Object.entries({ action: q.action, actor: q.actor, target: q.target, from: q.from, to: q.to }).filter((e): e is [string, string] => Boolean(e[1])));
  const nextHref = next ? `/admin/audit?${new URLSearchParams([...filters, ['before', `${next.at.toISOString()}_${next.id}`]])}` : null;
  const input = 'mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm';
  return (
    <div className="space-y-6">
      <PageHeader title="Audit log" description="Every admin change and security event, newest first." />
      <Card>
        <form method="get" className="grid gap-3 sm:grid-cols-6" aria-label="Filter the audit log">
          <div className="sm:col-span-2">
            <label htmlFor="f-action" className="text-sm font-medium text-slate-800">Action starts with</label>
            <input id="f-action" name="action" defaultValue={q.action} placeholder="oauth.refresh_reused" className={input} />
          </div>
          <div>
            <label htmlFor="f-actor" className="text-sm font-medium text-slate-800">Actor</label>
            <input id="f-actor" name="actor" defaultValue={q.actor} placeholder="id or email" className={input} />
          </div>
          <div>
            <label htmlFor="f-target" className="text-sm font-medium text-slate-800">Target</label>
            <input id="f-target" name="target" defaultValue={q.target} placeholder="id or type" className={input} />
          </div>
          <div>
            <label htmlFor="f-from" className="text-sm font-medium text-slate-800">From</label>
            <input id="f-from" name="from" type="date" defaultValue={q.from} className={input} />
          </div>
          <div>
            <label htmlFor="f-to" className="text-sm font-medium text-slate-800">To</label>
            <input id="f-to" name="to" type="date" defaultValue={q.to} className={input} />
          </div>
          <div className="flex gap-3 sm:col-span-6">
            <button type="submit" className="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">Filter</button>
            <Link href="/admin/audit" className="px-2 py-1.5 text-sm text-slate-600 underline">Clear</Link>
          </div>
        </form>
      </Card>
      <Card title="Events">
        {events.length === 0 ? (
          <EmptyState title="No events match">Try a wider time range or fewer filters.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Audit events">
            <TableHead cellClassName="py-1 font-medium" columns={['When (UTC)', 'Action', 'Actor', 'Target', 'Details']} />
            <tbody>
              {events.map((e) => (
                <tr key={e.id} className="border-t border-slate-100 align-top" data-testid="audit-row">
                  <td className="py-1.5 pr-3 whitespace-nowrap text-slate-500">{e.at.toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td className="py-1.5 pr-3 font-mono text-xs">{e.action}</td>
                  <td className="py-1.5 pr-3 break-all">{e.actor.label ?? ('id' in e.actor ? e.actor.id : e.actor.type)}</td>
                  <td className="py-1.5 pr-3 break-all text-slate-600">{e.target ? `${e.target.type} ${e.target.id}` : '—'}</td>
                  <td className="py-1.5 pr-3 max-w-xs break-all font-mono text-xs text-slate-500">{Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {nextHref ? (
          <div className="mt-4">
            <Link href={nextHref} className="text-sm text-indigo-700 underline">Older events</Link>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
