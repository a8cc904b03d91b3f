import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ParleyError, type ErrorCode } from './errors.ts';
import { codeOfStatus, statusOf } from './http.ts';

describe('HTTP status ↔ error code', () => {
  it('answers each code with its status; client-side codes read as 500', () => {
    expect(statusOf('METHOD_NOT_ALLOWED')).toBe(405);
    expect(statusOf('NOT_A_MEMBER')).toBe(403);
    expect(statusOf('CONNECTION_FAILED')).toBe(500);
    expect(new ParleyError('RATE_LIMITED', 'slow down').status).toBe(429);
  });

  it('reads every status the server answers with as a code of that status', () => {
    const statuses = new Set(Object.values(ERROR_CODES).filter((s) => s > 0));
    for (const status of statuses) expect(statusOf(codeOfStatus(status))).toBe(status);
    expect(codeOfStatus(409)).toBe<ErrorCode>('CONFLICT');
    expect(codeOfStatus(413)).toBe<ErrorCode>('PAYLOAD_TOO_LARGE');
    expect(codeOfStatus(502)).toBe<ErrorCode>('INTERNAL');
    expect(codeOfStatus(410)).toBe<ErrorCode>('NOT_FOUND');
    expect(codeOfStatus(412)).toBe<ErrorCode>('CONFLICT');
    expect(codeOfStatus(418)).toBe<ErrorCode>('BAD_REQUEST');
  });
});
