// Authentication failures by reason over time: stacked bars
// drawn as SVG on the server (no chart library, no client JavaScript), with a
// legend and the same numbers as a table for screen readers and copying.
import Link from 'next/link';
import type { AuthFailureSeries } from '@/lib/server/db/auth-failure-stats';
import { AUTH_FAILURE_REASONS } from '@/lib/server/db/auth-failure-stats';
import { EmptyState } from '@/components/ui/card';

const COLORS = ['#dc2626', '#d97706', '#7c3aed', '#0284c7', '#059669', '#475569'];
const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 40 };

const RANGES = [
  { range: '24h', label: 'Last 24 hours' },
  { range: '14d', label: 'Last 14 days' },
] as const;

/** A round axis maximum at or above `n` (1, 2, 5 × 10^k). */
function niceMax(n: number): number {
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}

export function AuthFailureChart({ series }: { series: AuthFailureSeries }) {
  const hourly = series.range === '24h';
  const label = (d: Date) => (hourly ? `${d.toISOString().slice(11, 13)}:00` : d.toISOString().slice(5, 10));
  const fullLabel = (d: Date) => (hourly ? `${d.toISOString().slice(0, 10)} ${label(d)}` : d.toISOString().slice(0, 10));
  const rangeLabel = RANGES.find((r) => r.range === series.range)!.label.toLowerCase();
  const max = niceMax(Math.max(...series.buckets.map((b) => b.total)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / series.buckets.length;
  const barWidth = Math.max(4, slot * 0.7);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const labelEvery = hourly ? 3 : 2;
  const reasons = AUTH_FAILURE_REASONS.map((r, i) => ({ ...r, color: COLORS[i % COLORS.length] }));

  return (
    <div>
      <nav aria-label="Chart range" className="mb-3 flex gap-2 text-sm">
        {RANGES.map((r) => (
          <Link
            key={r.range}
            href={`/admin?range=${r.range}`}
            aria-current={r.range === series.range ? 'page' : undefined}
            className={`rounded-md border px-3 py-1 ${r.range === series.range ? 'border-indigo-600 bg-indigo-50 font-medium text-indigo-800' : 'border-slate-300 text-slate-700 hover:bg-slate-50'}`}
          >
            {r.label}
          </Link>
        ))}
      </nav>
      {series.total === 0 ? (
        <EmptyState title={`No authentication failures in the ${rangeLabel}`}>Failed client authentication, replayed codes, reused refresh tokens, rejected redirect URIs and failed sign-ins appear here.</EmptyState>
      ) : (
        <>
          <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" role="img" aria-labelledby="auth-failures-title auth-failures-desc" data-testid="auth-failure-chart">
            <title id="auth-failures-title">{`Authentication failures by reason, ${rangeLabel} (UTC)`}</title>
            <desc id="auth-failures-desc">
              {`${series.total} in total: ${reasons.filter((r) => series.totals[r.action]).map((r) => `${r.label} ${series.totals[r.action]}`).join(', ')}. The table below lists every ${hourly ? 'hour' : 'day'}.`}
            </desc>
            {[0, max / 2, max].map((tick) => (
              <g key={tick}>
                <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} stroke="#e2e8f0" />
                <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end" fontSize="11" fill="#475569">{tick}</text>
              </g>
            ))}
            {series.buckets.map((bucket, i) => {
              const x = PAD.left + i * slot + (slot - barWidth) / 2;
              let base = 0;
              return (
                <g key={bucket.start.toISOString()}>
                  {reasons.map((r) => {
                    const count = bucket.counts[r.action];
                    if (!count) return null;
                    const top = y(base + count);
                    const height = y(base) - top;
                    base += count;
                    return (
                      <rect key={r.action} x={x} y={top} width={barWidth} height={height} fill={r.color}>
                        <title>{`${fullLabel(bucket.start)}: ${r.label} ${count}`}</title>
                      </rect>
                    );
                  })}
                  {i % labelEvery === labelEvery - 1 || i === series.buckets.length - 1 ? (
                    <text x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle" fontSize="11" fill="#475569">{label(bucket.start)}</text>
                  ) : null}
                </g>
              );
            })}
          </svg>
          <ul className="mt-3 flex flex-wrap gap-x-5 gap-y-1 text-sm" aria-label="Legend">
            {reasons.map((r) => (
              <li key={r.action} className="flex items-center gap-2">
                <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm" style={{ backgroundColor: r.color }} />
                <span className="text-slate-700">{r.label}</span>
                <span className="font-medium text-slate-900" data-testid={`failures-${r.action}`}>{series.totals[r.action]}</span>
              </li>
            ))}
          </ul>
          <details key={series.range} className="mt-3 text-sm">
            <summary className="cursor-pointer text-indigo-700">Show the data as a table</summary>
            <div className="mt-2 overflow-x-auto">
              <table className="w-full text-left text-xs" aria-label={`Authentication failures by reason, ${rangeLabel}`}>
                <thead className="text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">{hourly ? 'Hour (UTC)' : 'Day (UTC)'}</th>
                    {reasons.map((r) => (
                      <th key={r.action} scope="col" className="py-1 pr-3 font-medium">{r.label}</th>
                    ))}
                    <th scope="col" className="py-1 font-medium">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {series.buckets.map((bucket) => (
                    <tr key={bucket.start.toISOString()} className="border-t border-slate-100">
                      <th scope="row" className="py-1 pr-3 font-normal whitespace-nowrap">{fullLabel(bucket.start)}</th>
                      {reasons.map((r) => (
                        <td key={r.action} className="py-1 pr-3">{bucket.counts[r.action]}</td>
                      ))}
                      <td className="py-1 font-medium">{bucket.total}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </div>
  );
}
