import type { ConnectionState } from '../events.ts';

/**
 * What can happen to the connection: the app's two calls, and what the socket
 * and the reconnect timer report.
 */
export type ConnectionInput =
  | { type: 'connect' }
  | { type: 'disconnect' }
  | { type: 'opened' }
  /** The open socket closed, the attempt in flight failed, or the heartbeat declared it dead. */
  | { type: 'dropped'; retriesLeft: boolean }
  /** The reconnect timer fired: the next attempt starts. */
  | { type: 'retry' };

export interface Transition {
  rule: string;
  from: ConnectionState;
  input: ConnectionInput['type'] | 'dropped, retries left' | 'dropped, none left';
  to: ConnectionState;
}

/**
 * The connection state machine (docs/sdk.md, "Connection states"). Every pair
 * (state, input) not listed is ignored: it changes nothing and emits nothing, so
 * a late socket event can never undo a decision (SDK-C10).
 */
export const TRANSITIONS: readonly Transition[] = [
  { rule: 'SDK-C1', from: 'disconnected', input: 'connect', to: 'connecting' },
  { rule: 'SDK-C2', from: 'connecting', input: 'opened', to: 'connected' },
  { rule: 'SDK-C3', from: 'connecting', input: 'dropped, retries left', to: 'reconnecting' },
  { rule: 'SDK-C4', from: 'connected', input: 'dropped, retries left', to: 'reconnecting' },
  { rule: 'SDK-C5', from: 'reconnecting', input: 'retry', to: 'reconnecting' },
  { rule: 'SDK-C5', from: 'reconnecting', input: 'dropped, retries left', to: 'reconnecting' },
  { rule: 'SDK-C6', from: 'reconnecting', input: 'opened', to: 'connected' },
  { rule: 'SDK-C7', from: 'connecting', input: 'dropped, none left', to: 'failed' },
  { rule: 'SDK-C7', from: 'reconnecting', input: 'dropped, none left', to: 'failed' },
  // Unreachable while a success resets the count (maxRetries ≥ 1), listed so that no drop of an open socket is ever ignored.
  { rule: 'SDK-C7', from: 'connected', input: 'dropped, none left', to: 'failed' },
  { rule: 'SDK-C8', from: 'failed', input: 'connect', to: 'connecting' },
  { rule: 'SDK-C9', from: 'connecting', input: 'disconnect', to: 'disconnected' },
  { rule: 'SDK-C9', from: 'connected', input: 'disconnect', to: 'disconnected' },
  { rule: 'SDK-C9', from: 'reconnecting', input: 'disconnect', to: 'disconnected' },
  { rule: 'SDK-C9', from: 'failed', input: 'disconnect', to: 'disconnected' },
];

/** The state after `input`, or null when the input is ignored in `state`. */
export function nextState(state: ConnectionState, input: ConnectionInput): ConnectionState | null {
  const key = input.type === 'dropped' ? (input.retriesLeft ? 'dropped, retries left' : 'dropped, none left') : input.type;
  return TRANSITIONS.find((t) => t.from === state && t.input === key)?.to ?? null;
}
