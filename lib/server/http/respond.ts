// Response helpers for the protocol endpoints: JSON, RFC 6749 §5.2 error bodies,
// `Cache-Control: no-store`, CORS for browser-based MCP clients.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OAuthError } from '../../oauth/errors.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { requestIdOf } from '../observability/request-context.ts';
import { errorSummary, log } from '../runtime/logger.ts';
import { RateLimiterUnavailableError } from './rate-limit.ts';

/** The database or Redis is away: fail fast with 503 and let the client retry. */
export function isServiceUnavailable(error: unknown): boolean {
  return error instanceof RateLimiterUnavailableError || isDatabaseUnavailable(error);
}

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** Public endpoints browser clients call: any origin, no cookies (credentials are never involved). */
export const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, MCP-Protocol-Version, DPoP',
  'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After, DPoP-Nonce',
  'Access-Control-Max-Age': '600',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** A body already serialised as JSON. */
export function sendJsonText(res: ServerResponse, status: number, payload: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** An OAuthError as its RFC body; anything else as a logged, generic server_error. */
/** What an OAuthError's caller is not told (its detail) goes to the log, naming the request. */
export function logOAuthErrorDetail(res: ServerResponse, error: OAuthError): void {
  if (error.detail) log('info', 'oauth request refused', { error: error.code, detail: error.detail, request_id: String(res.getHeader('X-Request-Id') ?? '') });
}

export function sendOAuthError(res: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  if (error instanceof OAuthError) {
    logOAuthErrorDetail(res, error);
    sendJson(res, error.status, error.toJSON(), { ...NO_STORE, ...headers, ...error.headers });
    return;
  }
  if (isServiceUnavailable(error)) {
    sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'the service is briefly unavailable; retry shortly' }, { ...NO_STORE, ...headers, 'Retry-After': '5' });
    return;
  }
  log('error', 'protocol endpoint failed', { error: errorSummary(error), request_id: String(res.getHeader('X-Request-Id') ?? '') });
  sendJson(res, 500, { error: 'server_error', error_description: 'the server could not complete the request' }, { ...NO_STORE, ...headers });
}

export function methodNotAllowed(res: ServerResponse, allowed: string[], headers: Record<string, string> = {}): void {
  sendJson(res, 405, { error: 'invalid_request', error_description: `use ${allowed.join(' or ')}` }, { Allow: allowed.join(', '), ...headers });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const BUTTON_STYLE = 'display:inline-block;padding:.5rem 1rem;border-radius:.375rem;background:#4f46e5;color:#fff;text-decoration:none;font-weight:500';

/**
 * A small self-contained page for answers that never reach Next.js (errors on
 * the lean paths): every text escaped, one paragraph per message, and an
 * optional link (shown as a button with `button`). The caller's response
 * already carries the headers that forbid framing (runtime/security-headers.ts).
 */
export function sendHtmlPage(
  res: ServerResponse,
  status: number,
  title: string,
  message: string | string[],
  extra: { linkHref?: string; linkText?: string; button?: boolean } = {},
): void {
  const style = extra.button ? ` style="${BUTTON_STYLE}"` : '';
  const link = extra.linkHref ? `<p><a href="${escapeHtml(extra.linkHref)}"${style}>${escapeHtml(extra.linkText ?? extra.linkHref)}</a></p>` : '';
  const paragraphs = [message].flat().map((m) => `<p>${escapeHtml(m)}</p>`).join('');
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)} · Gatehouse</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1e293b">` +
    `<h1 style="font-size:1.4rem">${escapeHtml(title)}</h1>${paragraphs}${link}</body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The last resort for a request whose handler threw: logged, and answered with a page, never a stack trace. */
export function failRequest(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  log('error', 'request failed', { path: req.url?.split('?')[0], error: (error as Error)?.message, request_id: requestIdOf(req) });
  if (res.headersSent) res.end();
  else if (isServiceUnavailable(error)) {
    res.setHeader('Retry-After', '5');
    sendHtmlPage(res, 503, 'Gatehouse is briefly unavailable', 'Its database is not answering. Try again in a moment.');
  } else sendHtmlPage(res, 500, 'Something went wrong', 'Gatehouse could not answer this request. Try again in a moment.');
}
