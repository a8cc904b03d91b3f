import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { clientId, idField } from './ids.ts';

const peerToken = z.string().min(1).max(4096);

/** How a call ended, as its record says (K8). */
export const CALL_OUTCOMES = ['completed', 'missed', 'declined', 'cancelled', 'failed'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];
/** Why it ended, as `callEnded` says. */
export const CALL_END_REASONS = ['hangup', 'rejected', 'busy', 'cancelled', 'timeout', 'failed'] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

/** The steps a client sends; the server ignores the others from a client. */
export const CALL_CLIENT_STEPS = ['callInvite', 'callRinging', 'callAccept', 'callReject', 'callBusy', 'callCancel', 'callHangup', 'callMedia'] as const;
export type CallClientStep = (typeof CALL_CLIENT_STEPS)[number];

/**
 * The call flow (docs/protocol.md, K1–K9). Client to server: callInvite,
 * callRinging, callAccept, callReject, callBusy, callCancel, callHangup,
 * callMedia. Server to client: callIncoming, callRinging, callAccepted,
 * callMedia, callEnded, callRefused. A call id is made by the caller.
 */
function callMessages() {
  const call = { callId: clientId };
  return [
    z.object({ type: z.literal('callInvite'), ...call, conversationId: idField, calleeId: idField, video: z.boolean(), peerToken }),
    z.object({ type: z.literal('callIncoming'), ...call, conversationId: idField, callerId: idField, video: z.boolean(), peerId: idField }),
    z.object({ type: z.literal('callRinging'), ...call }),
    z.object({ type: z.literal('callAccept'), ...call, peerToken }),
    z.object({ type: z.literal('callAccepted'), ...call, peerId: idField }),
    z.object({ type: z.literal('callReject'), ...call }),
    z.object({ type: z.literal('callBusy'), ...call }),
    z.object({ type: z.literal('callCancel'), ...call }),
    z.object({ type: z.literal('callHangup'), ...call, failed: z.boolean().optional() }),
    z.object({ type: z.literal('callMedia'), ...call, muted: z.boolean(), cameraOff: z.boolean() }),
    z.object({
      type: z.literal('callEnded'), ...call, reason: z.enum(CALL_END_REASONS), outcome: z.enum(CALL_OUTCOMES),
      durationMs: z.number().int().nonnegative().optional(),
    }),
    z.object({
      type: z.literal('callRefused'), ...call, step: z.string().max(32),
      code: z.string().refine((c): c is ErrorCode => Object.hasOwn(ERROR_CODES, c)), message: z.string().max(500),
    }),
  ] as const;
}

/**
 * Messages on a user document's stateless channel (rules R1, R2): sent with
 * `sendStateless`, never stored. Both sides build and read them here, so a
 * message name is written once. A new kind (calls will send invitations this
 * way) is one more member of this list.
 */
const STATELESS_MESSAGES = [
  z.object({ type: z.literal('ping'), t: z.number() }),
  z.object({ type: z.literal('pong'), t: z.number() }),
  z.object({ type: z.literal('presence'), userId: z.string(), online: z.boolean() }),
  z.object({ type: z.literal('presenceSnapshot'), online: z.array(z.string()) }),
  ...callMessages(),
] as const;

export const statelessMessage = z.discriminatedUnion('type', STATELESS_MESSAGES);
export type StatelessMessage = z.infer<typeof statelessMessage>;
export type StatelessType = StatelessMessage['type'];
export type StatelessOf<T extends StatelessType> = Extract<StatelessMessage, { type: T }>;

export function encodeStateless(message: StatelessMessage): string {
  return JSON.stringify(message);
}

/** The message a payload carries, or null for anything else (not JSON, unknown type, wrong fields): a peer's junk is ignored. */
export function parseStateless(payload: string): StatelessMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = statelessMessage.safeParse(json);
  return parsed.success ? parsed.data : null;
}
