import { ConnectionTimeout, Forbidden, Unauthorized } from '@hocuspocus/common';

/**
 * WebSocket close codes. Hocuspocus's own where it has one; the reason is the
 * Parley error code that applies (docs/protocol.md, "Close codes").
 */
export const CLOSE = {
  /** A member removed from a conversation (rule A3): the reason is `NOT_A_MEMBER`. */
  notAMember: { code: Forbidden.code, reason: 'NOT_A_MEMBER' },
  /** The SDK declares a silent socket dead (heartbeat timeout); the reason says why. */
  timeout: ConnectionTimeout.code,
  /** The token a socket authenticated with expired and no fresh one came (rule A5): refresh and reconnect. */
  tokenExpired: { code: Unauthorized.code, reason: 'TOKEN_EXPIRED' },
  /** The session was signed out (POST /auth/logout, rule A6): its sockets end and its tokens stop working. */
  sessionRevoked: { code: Unauthorized.code, reason: 'AUTH_FAILED' },
  /** More than the send-queue limit waits for this socket to read (rule B2), or too many sync requests (B3). */
  slowReader: { code: 4429, reason: 'RATE_LIMITED' },
  /** Too many sockets from one address without authentication, or none authenticated in time (rule B6). */
  unauthenticated: { code: 4429, reason: 'RATE_LIMITED' },
  /** A frame or update past its size limit, or a user document past its quota (rules B4, B5). */
  tooLarge: { code: 4413, reason: 'PAYLOAD_TOO_LARGE' },
  /** A conversation document's connection on a copy the server is dropping (rule E2) that did not let go: open it again. */
  reloading: { code: 4503, reason: 'UNAVAILABLE' },
  /** An update to a user document that writes a root key the protocol does not define (rule B5). */
  invalidUpdate: { code: 4400, reason: 'VALIDATION_FAILED' },
} as const;

/** Close events the SDK answers by refreshing its token before it reconnects (rule SDK-A6). */
export const isExpiryClose = (reason: string | undefined) => reason === CLOSE.tokenExpired.reason;
