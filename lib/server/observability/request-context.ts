// The request a piece of code runs for, carried through async calls
// (AsyncLocalStorage), so that every log line names its request id. Used where
// Next.js runs (the pages thread, or the request thread with --dev): the
// request thread of a production server stays free of it (runtime/pages.ts)
// and names the request in its log lines explicitly. The store lives on
// globalThis: the server code and the Next.js bundle load this module separately.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type RequestContext = { requestId: string };

const globalForRequests = globalThis as unknown as { __gatehouseRequestContext?: AsyncLocalStorage<RequestContext> };

function storage(): AsyncLocalStorage<RequestContext> {
  return (globalForRequests.__gatehouseRequestContext ??= new AsyncLocalStorage<RequestContext>());
}

export const REQUEST_ID_HEADER = 'x-request-id';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** An incoming X-Request-Id when it is a sane token (≤ 128 of [A-Za-z0-9._-]); otherwise a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** The id instrumentRequest settled on for this request (it rewrites the request's header to it). */
export function requestIdOf(req: IncomingMessage): string | undefined {
  const value = req.headers[REQUEST_ID_HEADER];
  return Array.isArray(value) ? value[0] : value;
}

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage().run(context, fn);
}

export function currentRequestId(): string | undefined {
  return storage().getStore()?.requestId;
}
