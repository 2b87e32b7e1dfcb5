// Authentication failures over time, by reason, for the dashboard chart: counted
// from the audit events of security actions: one grouped count per
// bucket, each a range scan of the (action, at) index — no event rows are read
// into the process, however many an attack writes.
import type { Db } from './client.ts';

/** The audit actions that are failures, and how the chart names them. */
export const AUTH_FAILURE_REASONS = [
  { action: 'oauth.client_auth_failed', label: 'Client authentication failed' },
  { action: 'oauth.code_replayed', label: 'Authorization code replayed' },
  { action: 'oauth.refresh_reused', label: 'Refresh token reused' },
  { action: 'oauth.redirect_uri_rejected', label: 'Redirect URI rejected' },
  { action: 'user.local_login_failed', label: 'Local sign-in failed' },
  { action: 'user.provision_refused', label: 'Sign-in refused' },
] as const;

/** What the dashboard lists as recent security events: the failures, and changes to who may sign what. */
export const SECURITY_ACTIONS: readonly string[] = [
  ...AUTH_FAILURE_REASONS.map((r) => r.action),
  'user.local_login',
  'user.promoted_admin',
  'signing_key.published',
  'signing_key.activated',
  'signing_key.rotated',
  'signing_key.retired',
];

export type AuthFailureAction = (typeof AUTH_FAILURE_REASONS)[number]['action'];
export type AuthFailureRange = '24h' | '14d';

export type AuthFailureBucket = { start: Date; counts: Record<AuthFailureAction, number>; total: number };
export type AuthFailureSeries = { range: AuthFailureRange; bucketMs: number; buckets: AuthFailureBucket[]; totals: Record<AuthFailureAction, number>; total: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** 24 hourly buckets or 14 daily ones (UTC), the last one holding `now`. */
export function bucketStarts(range: AuthFailureRange, now: Date): Date[] {
  const size = range === '24h' ? HOUR : DAY;
  const count = range === '24h' ? 24 : 14;
  const last = Math.floor(now.getTime() / size) * size;
  return Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * size));
}

export async function countAuthFailures(db: Db, range: AuthFailureRange, now = new Date()): Promise<AuthFailureSeries> {
  const bucketMs = range === '24h' ? HOUR : DAY;
  const starts = bucketStarts(range, now);
  const zero = () => Object.fromEntries(AUTH_FAILURE_REASONS.map((r) => [r.action, 0])) as Record<AuthFailureAction, number>;
  const actions = AUTH_FAILURE_REASONS.map((r) => r.action);
  const buckets = await Promise.all(
    starts.map(async (start) => {
      const rows = await db.prisma.auditEvent.groupBy({
        by: ['action'],
        where: {
          action: { in: actions },
          at: { gte: start, lt: new Date(start.getTime() + bucketMs) },
          // A refresh retry inside the grace window is a client that lost a response, not an attack.
          NOT: { details: { contains: '"grace_retry"' } },
        },
        _count: { _all: true },
      });
      const counts = zero();
      for (const row of rows) counts[row.action as AuthFailureAction] = row._count._all;
      return { start, counts, total: rows.reduce((a, r) => a + r._count._all, 0) };
    }),
  );
  const totals = zero();
  for (const bucket of buckets) for (const { action } of AUTH_FAILURE_REASONS) totals[action] += bucket.counts[action];
  return { range, bucketMs, buckets, totals, total: buckets.reduce((a, b) => a + b.total, 0) };
}
