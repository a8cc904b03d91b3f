import { ParleyError } from '@parley/schema';

/** Socket and driver codes that mean the database or Redis could not be reached or dropped the connection. */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_FULL',
]);

/**
 * Whether `error` is a fault of the server's own infrastructure (docs/protocol.md,
 * "Errors", UNAVAILABLE): the database or Redis is down, refused or dropped the
 * connection. Such a failure is retryable and never a refusal of the caller.
 */
export function isOutage(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, fatal, message } = e as { code?: unknown; fatal?: unknown; message?: unknown };
    if (typeof code === 'string' && (OUTAGE_CODES.has(code) || code.startsWith('SQLITE_IOERR'))) return true;
    // mysql2 marks an error that killed its connection as fatal.
    if (fatal === true) return true;
    if (typeof message === 'string' && /driver has already been destroyed|database connection is not open|Connection is closed/i.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some(isOutage)) return true;
  }
  return false;
}

/** A server-side failure as the coded error callers see: UNAVAILABLE for an outage, INTERNAL otherwise. */
export function serverFault(error: unknown): ParleyError {
  return isOutage(error)
    ? new ParleyError('UNAVAILABLE', 'the server cannot reach its storage; try again shortly')
    : new ParleyError('INTERNAL', 'internal error');
}
