import { ERROR_CODES, type ErrorCode } from './errors.ts';

/**
 * HTTP statuses and error codes, both ways, for the sync-server, the
 * media-server and the SDK. The statuses themselves are in `ERROR_CODES`.
 */

/** The status a code is answered with; client-side codes never cross HTTP and read as 500. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code] || 500;
}

/** The general code of each status, for an answer that carries none (a proxy's 502, a bare 404). */
const GENERAL_CODES: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'AUTH_FAILED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_TYPE',
  'RANGE_NOT_SATISFIABLE',
  'RATE_LIMITED',
  'INTERNAL',
  'UNAVAILABLE',
];
/** Statuses no code is answered with, which other HTTP parts (tus, proxies) use. */
const ALIASES: ReadonlyArray<[number, ErrorCode]> = [[410, 'NOT_FOUND'], [412, 'CONFLICT'], [423, 'CONFLICT']];
let byStatus: Map<number, ErrorCode> | undefined;

/** The code an HTTP status means when the body names none; another 4xx reads as BAD_REQUEST, anything else as INTERNAL. */
export function codeOfStatus(status: number): ErrorCode {
  // Built on first use: errors.ts and this module import each other.
  byStatus ??= new Map([...GENERAL_CODES.map((code): [number, ErrorCode] => [statusOf(code), code]), ...ALIASES]);
  return byStatus.get(status) ?? (status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL');
}
