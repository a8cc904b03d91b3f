import type http from 'node:http';
import { ParleyError, type ErrorCode } from '@parley/schema';

/** JSON answers and coded errors, the same shape as the sync-server's (CONTRACT.md, "REST"). */

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // As the sync-server's API: tokens travel in a header, so any origin may read an answer.
    'Access-Control-Allow-Origin': '*',
    ...headers,
  });
  res.end(payload);
}

export function sendError(res: http.ServerResponse, error: ParleyError, status: number = error.status, headers: Record<string, string> = {}): void {
  const code: ErrorCode = error.code;
  sendJson(res, status, { error: { code, message: error.message } }, headers);
}

/** The code a tus-level status stands for, so the library's own refusals come out coded too. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return 'BAD_REQUEST';
    case 401: return 'AUTH_FAILED';
    case 403: return 'FORBIDDEN';
    case 404: case 410: return 'NOT_FOUND';
    case 405: return 'METHOD_NOT_ALLOWED';
    case 409: case 412: case 423: return 'CONFLICT';
    case 413: return 'PAYLOAD_TOO_LARGE';
    case 415: return 'UNSUPPORTED_TYPE';
    case 429: return 'RATE_LIMITED';
    default: return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}

/** What tus's hooks throw to refuse a request: the library answers it with this status and body. */
export function tusRefusal(error: ParleyError, status: number = error.status): { status_code: number; body: string } {
  return { status_code: status, body: JSON.stringify({ error: { code: error.code, message: error.message } }) };
}
