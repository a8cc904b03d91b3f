import { ConnectionTimeout, Forbidden } from '@hocuspocus/common';

/**
 * WebSocket close codes. Hocuspocus's own where it has one; the reason says
 * which Parley code applies.
 */
export const CLOSE = {
  /** A member removed from a conversation (rule A3): the reason is `NOT_A_MEMBER`. */
  notAMember: { code: Forbidden.code, reason: 'NOT_A_MEMBER' },
  /** The SDK declares a silent socket dead (heartbeat timeout); the reason says why. */
  timeout: ConnectionTimeout.code,
} as const;
