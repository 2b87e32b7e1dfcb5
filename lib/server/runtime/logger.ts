// Structured logging: one JSON object per line for the server (pino), each
// naming the request it was written for (`request_id`); debug and info on
// stdout, warn and error on stderr. CLI commands log plain lines to stderr,
// keeping stdout for their own output (e.g. --json).
//
// Secrets never belong in a log line. As a last line of defence every message
// and field is scrubbed (lib/server/observability/scrub.ts): values shaped like
// Gatehouse credentials, JWTs, Authorization values and session cookies are
// masked, and pino redacts the usual sensitive field names.
import { hostname } from 'node:os';
import { format, stripVTControlCharacters } from 'node:util';
import pino, { type Logger } from 'pino';
import { currentRequestId } from '../observability/request-context.ts';
import { REDACTED, REDACT_PATHS, scrubSecrets, scrubValue } from '../observability/scrub.ts';

export type Level = 'debug' | 'info' | 'warn' | 'error';

let cli = false;

export function useCliLogging(): void {
  cli = true;
}

export type LogSink = { stdout: NodeJS.WritableStream | { write(line: string): unknown }; stderr: NodeJS.WritableStream | { write(line: string): unknown } };

/**
 * stdout, buffered: an access-log line per request would otherwise be one
 * write(2) per request. Flushed every 200 ms, on shutdown (flushLogs) and at exit.
 * Warnings and errors (stderr) are written at once.
 */
function bufferedStdout() {
  const destination = pino.destination({ fd: 1, sync: false, minLength: 8192 });
  setInterval(() => destination.flush(), 200).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing more can be done at exit.
    }
  });
  flushers.push(() => destination.flushSync());
  return destination;
}

const flushers: Array<() => void> = [];

/** Writes out what the buffered log still holds (graceful shutdown). */
export function flushLogs(): void {
  for (const flush of flushers) {
    try {
      flush();
    } catch {
      // A closed stdout cannot be flushed; nothing is lost that could be kept.
    }
  }
}

let processStreams: LogSink | undefined;

/** The process's own stdout (buffered) and stderr: every thread's lines end up here. */
function processSink(): LogSink {
  processStreams ??= { stdout: bufferedStdout(), stderr: pino.destination({ fd: 2, sync: true }) };
  return processStreams;
}

/** Writes a line another thread formatted (and scrubbed) to this process's streams. */
export function writeLogLine(stream: 'stdout' | 'stderr', line: string): void {
  processSink()[stream].write(line);
}

/** Builds the server's pino logger; `sink` lets tests capture the lines (and other threads forward them). */
export function createLogger(sink?: LogSink): Logger {
  const { stdout, stderr } = sink ?? processSink();
  const created = pino(
    {
      level: 'debug',
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // Not in `base`: the request id changes with every request.
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { request_id: requestId } : {};
      },
    },
    pino.multistream(
      [
        { level: 'debug', stream: stdout },
        { level: 'warn', stream: stderr },
      ],
      // Each line goes to one stream only: the highest one its level reaches.
      { dedupe: true },
    ),
  );
  infoStreams.set(created, stdout);
  return created;
}

let logger: Logger | undefined;

function serverLogger(): Logger {
  logger ??= createLogger();
  return logger;
}

/** Replaces the server logger (tests). */
export function setLogger(next: Logger | undefined): void {
  logger = next;
}

// Access-log lines are written by hand, in the shape pino gives every other
// line: one per request, and pino's generic serialisation was a noticeable part
// of a cheap request. Their fields are known-safe values (method, route label,
// numbers, the request id) and a path scrubbed here.
const infoStreams = new WeakMap<Logger, LogSink['stdout']>();
const LINE_BASE = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;

// Many lines share a millisecond under load: its ISO form is made once.
let stampedAt = 0;
let stamp = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

/**
 * One access-log line; `path` must already be free of query strings, and
 * `request_id` a sane token (request-context.ts). A path that is its route's
 * own label is a fixed endpoint path: nothing in it to scrub.
 */
export function logRequest(fields: { request_id: string; method: string; route: string; path: string; status: number | null; duration_ms: number; aborted?: boolean }): void {
  if (cli) return;
  const main = serverLogger();
  const stream = infoStreams.get(main);
  const path = fields.path === fields.route ? fields.path : scrubSecrets(fields.path);
  if (!stream) return void main.info({ ...fields, path }, 'request');
  stream.write(
    `{"level":"info","time":"${isoNow()}"${LINE_BASE},"request_id":"${fields.request_id}","method":${JSON.stringify(fields.method)},"route":${JSON.stringify(fields.route)},"path":${JSON.stringify(path)},"status":${fields.status},"duration_ms":${fields.duration_ms}${fields.aborted ? ',"aborted":true' : ''},"msg":"request"}\n`,
  );
}

/**
 * An error's first non-empty line, for a log field: driver errors (Prisma's
 * among them) can start with a newline and carry query text further down.
 */
export function errorSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? (error instanceof Error ? error.name : 'unknown error');
}

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (cli) {
    process.stderr.write(`${level === 'info' ? '' : `${level}: `}${scrubSecrets(msg)}\n`);
    return;
  }
  const clean = scrubValue(fields) as Record<string, unknown>;
  // A `msg` field must not override the message; `level`/`time` are pino's own.
  delete clean.msg;
  delete clean.level;
  delete clean.time;
  serverLogger()[level](clean, scrubSecrets(msg));
}

const CONSOLE_LEVELS: Array<[keyof Console, Level]> = [
  ['debug', 'debug'],
  ['log', 'info'],
  ['info', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
];

let consoleBridged = false;

/**
 * Sends console output (Next.js's own error reports, libraries) through log(),
 * so the server writes nothing but scrubbed JSON lines.
 */
export function bridgeConsoleToLogger(): void {
  if (consoleBridged || cli) return;
  consoleBridged = true;
  for (const [method, level] of CONSOLE_LEVELS) {
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      log(level, stripVTControlCharacters(format(...args)), { source: 'console' });
    };
  }
}
