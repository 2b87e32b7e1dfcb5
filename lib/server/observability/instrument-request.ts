// Per-request bookkeeping for the node:http layer: the request id (an incoming
// X-Request-Id when it is a sane token, else a new one; echoed in the
// response), the request metrics, and one access-log line when the response
// ends. The access log names the route, the path without its query (an
// authorization request's query never reaches a log), status and duration —
// never headers or bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logRequest } from '../runtime/logger.ts';
import type { Metrics } from './metrics.ts';
import { REQUEST_ID_HEADER, requestIdFrom, type RequestContext } from './request-context.ts';
import { methodLabel, routeLabel, routedPathname } from './route-label.ts';

const MAX_LOGGED_PATH = 200;

export function instrumentRequest(req: IncomingMessage, res: ServerResponse, opts: { basePath: string; metrics: Metrics }): RequestContext {
  const started = process.hrtime.bigint();
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  // Pages and handlers further in see the id that was settled on.
  req.headers[REQUEST_ID_HEADER] = requestId;
  res.setHeader('X-Request-Id', requestId);

  const rawPath = (req.url ?? '/').split('?')[0];
  const route = routeLabel(routedPathname(req.url, opts.basePath));
  const method = methodLabel(req.method);
  opts.metrics.requestStarted();

  // `on`, not `once`: a response closes once, and the wrapper costs per request.
  res.on('close', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const completed = res.writableFinished;
    opts.metrics.requestEnded();
    opts.metrics.observeRequest({ method, route, status: completed ? String(res.statusCode) : 'aborted' }, seconds);
    logRequest({
      request_id: requestId,
      method,
      route,
      path: rawPath.length > MAX_LOGGED_PATH ? `${rawPath.slice(0, MAX_LOGGED_PATH)}…` : rawPath,
      // An abandoned response may not have a status yet.
      status: completed || res.headersSent ? res.statusCode : null,
      duration_ms: Math.round(seconds * 1e4) / 10,
      ...(completed ? {} : { aborted: true }),
    });
  });
  return { requestId };
}
