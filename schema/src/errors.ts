import { statusOf } from './http.ts';

/**
 * One error shape for REST answers, sync results and SDK callbacks.
 * Codes are stable: clients switch on them, so never rename one.
 */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNKNOWN_COMMAND: 400,
  TEXT_TOO_LONG: 413,
  PAYLOAD_TOO_LARGE: 413,
  /** A media type that is not allowed, or content that is not what it claims (docs/api.md, "Media"). */
  UNSUPPORTED_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  /** A message's media descriptor does not match a finished upload of the sender in that conversation (rule F1). */
  MEDIA_INVALID: 400,
  AUTH_FAILED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_A_MEMBER: 403,
  NOT_ALLOWED: 403,
  EDIT_WINDOW_PASSED: 403,
  CONVERSATION_CLOSED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  USERNAME_TAKEN: 409,
  CONFLICT: 409,
  DUPLICATE: 409,
  /** Signalling for a call that has already ended (docs/protocol.md, K7). */
  CALL_ENDED: 409,
  RATE_LIMITED: 429,
  /** More than LIMITS.outboxMaxPending commands wait in a user's outbox: the ones past it are refused (rule O10). */
  OUTBOX_FULL: 429,
  INTERNAL: 500,
  /** A fault of the server's own (its database or Redis is unreachable): retry with backoff; never an authentication failure. */
  UNAVAILABLE: 503,
  // Client-side codes (the SDK raises these; the server never does).
  CONNECTION_FAILED: 0,
  MESSAGE_SEND_FAILED: 0,
  STORAGE_FAILED: 0,
  CONFIG_INVALID: 0,
  /** An upload the user cancelled; its message is not sent. */
  UPLOAD_CANCELLED: 0,
  /** The camera or microphone was refused or is missing; a video call may fall back to voice. */
  MEDIA_DENIED: 0,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ParleyErrorBody {
  code: ErrorCode;
  message: string;
}

/** Codes a sender may retry unchanged; the rest fail the same way again. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RATE_LIMITED',
  // Once the backlog ahead of it has drained; the SDK re-sends when the outbox has room.
  'OUTBOX_FULL',
  'INTERNAL',
  'UNAVAILABLE',
  'CONNECTION_FAILED',
]);

export class ParleyError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ParleyError';
    this.code = code;
  }

  get status(): number {
    return statusOf(this.code);
  }

  toJSON(): ParleyErrorBody {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
