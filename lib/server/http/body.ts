// Request bodies for the protocol endpoints: size-capped, typed by Content-Type.
import type { IncomingMessage } from 'node:http';
import { invalidRequest } from '../../oauth/errors.ts';
import type { FormParams } from '../../oauth/token-endpoint.ts';
import { CLIENT_ADDRESS_HEADER } from '../runtime/client-address.ts';

const MAX_BODY_BYTES = 64 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(invalidRequest('request body is too large'));
  // Plain stream events: an async iterator costs more than the small bodies it reads.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop keeping it, but read the rest so the error response can still be sent.
      req.off('data', onData);
      req.resume();
      reject(invalidRequest('request body is too large'));
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

export function toFormParams(search: URLSearchParams): FormParams {
  // No prototype: a field named `constructor`, `toString` or `__proto__` is just a field.
  const params: FormParams = Object.create(null) as FormParams;
  for (const [name, value] of search) (params[name] ??= []).push(value);
  return params;
}

/** RFC 6749 §3.2: token-endpoint style requests are application/x-www-form-urlencoded. */
export async function readForm(req: IncomingMessage): Promise<FormParams> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  return toFormParams(new URLSearchParams(await readBody(req)));
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (mediaType(req) !== 'application/json') throw invalidRequest('the body must be application/json');
  const text = await readBody(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}

/** The address the server stamped on the request (see runtime/client-address.ts). */
export function clientIp(req: IncomingMessage): string {
  const stamped = req.headers[CLIENT_ADDRESS_HEADER];
  return (typeof stamped === 'string' && stamped) || req.socket.remoteAddress || 'unknown';
}
