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

/** What tus's hooks throw to refuse a request: the library answers it with this status and body. */
export function tusRefusal(error: ParleyError, status: number = error.status): { status_code: number; body: string } {
  return { status_code: status, body: JSON.stringify({ error: { code: error.code, message: error.message } }) };
}
