// Which database errors mean "the database is away" (answer 503 and let the
// client retry) rather than "this request is wrong" or a bug.
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionAlreadyClosed']);
/** node-postgres's own connection failures: a connection lost mid-query, a connect timeout. */
const PG_CONNECTION_LOST = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/;

type MaybePrismaError = { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as MaybePrismaError;
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  const kind = e.meta?.driverAdapterError?.cause?.kind;
  if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
  // pg errors surfacing before Prisma wraps them.
  if (typeof e.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03'].includes(e.code)) return true;
  // SQLite's write lock held elsewhere for longer than we wait.
  if (e.code === 'SQLITE_BUSY') return true;
  // node-postgres's own connection failures have no code, and the Prisma adapter passes them through as is.
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && PG_CONNECTION_LOST.test(message);
}
