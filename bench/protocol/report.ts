// The results as a console table (requests/s, p50, p99 per endpoint and
// server; Gatehouse's ratios to the others; the goal) and as JSON.
import { ENDPOINT_LABELS, GOAL_ENDPOINTS } from './endpoints.ts';
import type { Measurement } from './load.ts';
import type { Endpoint, ServerName } from './types.ts';

/** `broken`: the check before or after the run found the endpoint not working as it should. */
export type Row = { endpoint: Endpoint; server: ServerName; result: Measurement | null; note?: string; broken?: boolean };

/** A row whose responses were not (almost all) successes measures errors, not speed. */
const MAX_FAILURE_SHARE = 0.005;

export function failuresOf(m: Measurement): number {
  return m.non2xx + m.mismatches + m.errors + m.timeouts;
}

export function isValid(m: Measurement | null): m is Measurement {
  return m !== null && m.ok > 0 && failuresOf(m) <= MAX_FAILURE_SHARE * Math.max(m.requests, 1);
}

/** A measurement to compare: mostly successes, and the endpoint passed its checks. */
function usable(row: Row | null): row is Row & { result: Measurement } {
  return row !== null && !row.broken && isValid(row.result);
}

const GOAL = { vsOidcProvider: 1.5, vsFloor: 0.5, p99Ms: 20 };

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [pad(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => pad(r, widths))].join('\n');
}

export function report(rows: Row[], meta: Record<string, unknown> & { wallSeconds: number }) {
  const endpoints = [...new Set(rows.map((r) => r.endpoint))];
  const servers = [...new Set(rows.map((r) => r.server))];
  const find = (e: Endpoint, s: ServerName) => rows.find((r) => r.endpoint === e && r.server === s) ?? null;

  const measured = table(
    ['endpoint', 'server', 'req/s', 'p50 ms', 'p99 ms', 'failed', 'note'],
    rows.map((r) => {
      const m = r.result;
      if (!m) return [ENDPOINT_LABELS[r.endpoint], r.server, '-', '-', '-', '-', r.note ?? ''];
      const failed = failuresOf(m);
      const notes = [r.note, !usable(r) && 'ERRORS: not a speed', m.exhausted && `pool ran out after ${m.seconds.toFixed(1)} s`].filter(Boolean).join('; ');
      const rps = m.rps.toFixed(0);
      return [ENDPOINT_LABELS[r.endpoint], r.server, usable(r) ? rps : `(${rps})`, String(m.p50), String(m.p99), failed ? `${failed}/${m.requests}` : '0', notes];
    }),
  );

  const ratio = (e: Endpoint, other: ServerName) => {
    const g = find(e, 'gatehouse');
    const o = find(e, other);
    return usable(g) && usable(o) ? g.result.rps / o.result.rps : null;
  };
  const others = (['oidc-provider', 'better-auth', 'floor'] as ServerName[]).filter((s) => servers.includes(s));
  const ratios = Object.fromEntries(endpoints.map((e) => [e, Object.fromEntries(others.map((o) => [o, ratio(e, o)]))]));
  const fmt = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  const ratioTable = servers.includes('gatehouse')
    ? table(['endpoint', ...others.map((o) => `Gatehouse/${o}`)], endpoints.map((e) => [ENDPOINT_LABELS[e], ...others.map((o) => fmt(ratios[e][o]))]))
    : '';

  // The goal: on introspection and the token endpoint, ≥ 1.5× node-oidc-provider, ≥ 50 % of the floor, p99 < 20 ms.
  const goal = GOAL_ENDPOINTS.filter((e) => endpoints.includes(e)).map((e) => {
    const g = find(e, 'gatehouse');
    const vsOidc = ratios[e]?.['oidc-provider'] ?? null;
    const vsFloor = ratios[e]?.floor ?? null;
    const checks = {
      vsOidcProvider: vsOidc === null ? null : vsOidc >= GOAL.vsOidcProvider,
      vsFloor: vsFloor === null ? null : vsFloor >= GOAL.vsFloor,
      p99: usable(g) ? g.result.p99 < GOAL.p99Ms : null,
    };
    return { endpoint: e, ...checks, met: Object.values(checks).every((c) => c === true) };
  });
  const mark = (c: boolean | null) => (c === null ? 'n/a' : c ? 'yes' : 'NO');
  const goalTable = goal.length
    ? table(['endpoint', '≥1.5× oidc-provider', '≥50% floor', 'p99 < 20 ms', 'met'], goal.map((g) => [ENDPOINT_LABELS[g.endpoint], mark(g.vsOidcProvider), mark(g.vsFloor), mark(g.p99), g.met ? 'yes' : 'NO']))
    : '';

  const text = ['', 'Measured', measured, '', 'Ratios (requests/s)', ratioTable, '', 'Goal (introspection and token endpoints)', goalTable].join('\n');
  const json = {
    ...meta,
    results: rows.map((r) => ({
      endpoint: r.endpoint,
      server: r.server,
      valid: usable(r),
      note: r.note ?? null,
      ...(r.result ? { rps: Math.round(r.result.rps), p50Ms: r.result.p50, p99Ms: r.result.p99, requests: r.result.requests, failed: failuresOf(r.result), statusCodes: r.result.statusCodes, seconds: Number(r.result.seconds.toFixed(2)), poolRanOut: r.result.exhausted } : {}),
    })),
    ratios,
    goal: { thresholds: GOAL, endpoints: goal },
  };
  return { text, json };
}
