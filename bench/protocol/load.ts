// One autocannon run against one endpoint of one server: fixed connections and
// duration, every response's status counted, bodies checked where a 200 can
// still be a failure, and the run stopped early (and said so) when a pool of
// single-use credentials runs dry.
import autocannon from 'autocannon';
import type { RequestPlan } from './endpoints.ts';

export type Measurement = {
  requests: number;
  ok: number;
  non2xx: number;
  /** 2xx whose body was not a success (e.g. `{"active":false}`). */
  mismatches: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** The credential pool ran out before the duration did. */
  exhausted: boolean;
  statusCodes: Record<string, number>;
};

export async function measure(url: string, plan: RequestPlan, opts: { connections: number; seconds: number; onTick?: (elapsed: number) => void }): Promise<Measurement> {
  let exhausted = false;
  // autocannon's callback form returns an instance with stop() (its types only know the promise form).
  let instance: { stop(): void } | null = null;
  const request: autocannon.Request = {
    method: plan.method,
    path: plan.path,
    headers: plan.headers,
    ...(plan.body !== undefined ? { body: plan.body } : {}),
  };
  if (plan.next) {
    request.setupRequest = (req) => {
      const body = plan.next!();
      if (body === null) {
        if (!exhausted) {
          exhausted = true;
          setImmediate(() => instance?.stop());
        }
        // Until the stop takes effect: an unknown credential (never a replayed
        // one, which would revoke what was issued from it), answered as an error.
        return { ...req, body: plan.exhaustedBody };
      }
      return { ...req, body, ...(plan.nextHeaders ? { headers: { ...req.headers, ...plan.nextHeaders() } } : {}) };
    };
  }
  const started = Date.now();
  const ticker = opts.onTick ? setInterval(() => opts.onTick!((Date.now() - started) / 1000), 1000) : null;
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url,
          connections: opts.connections,
          duration: opts.seconds,
          requests: [request],
          ...(plan.verifyBody ? { verifyBody: (body: string | Buffer | undefined) => plan.verifyBody!(String(body ?? '')) } : {}),
        },
        (error, res) => (error ? reject(error) : resolve(res)),
      ) as unknown as { stop(): void };
    });
    const statusCodes: Record<string, number> = {};
    for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (count as { count: number }).count;
    const seconds = Math.max(result.duration, 0.001);
    const ok = result['2xx'] - result.mismatches;
    return {
      requests: result.requests.total,
      ok,
      non2xx: result.non2xx,
      mismatches: result.mismatches,
      errors: result.errors,
      timeouts: result.timeouts,
      seconds,
      rps: ok / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      exhausted,
      statusCodes,
    };
  } finally {
    if (ticker) clearInterval(ticker);
  }
}
