import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../events.ts';
import { nextState, TRANSITIONS, type ConnectionInput } from './lifecycle.ts';

const STATES: ConnectionState[] = ['disconnected', 'connecting', 'connected', 'reconnecting', 'failed'];
const INPUTS: ConnectionInput[] = [
  { type: 'connect' },
  { type: 'disconnect' },
  { type: 'opened' },
  { type: 'dropped', retriesLeft: true },
  { type: 'dropped', retriesLeft: false },
  { type: 'retry' },
];
const label = (i: ConnectionInput) => (i.type === 'dropped' ? `dropped, ${i.retriesLeft ? 'retries left' : 'none left'}` : i.type);

/** The audit of docs/sdk.md, "Connection states": every (state, input) pair, written out by hand. */
const EXPECTED: Record<ConnectionState, Record<string, ConnectionState | null>> = {
  disconnected: { connect: 'connecting', disconnect: null, opened: null, 'dropped, retries left': null, 'dropped, none left': null, retry: null },
  connecting: { connect: null, disconnect: 'disconnected', opened: 'connected', 'dropped, retries left': 'reconnecting', 'dropped, none left': 'failed', retry: null },
  connected: { connect: null, disconnect: 'disconnected', opened: null, 'dropped, retries left': 'reconnecting', 'dropped, none left': 'failed', retry: null },
  reconnecting: { connect: null, disconnect: 'disconnected', opened: 'connected', 'dropped, retries left': 'reconnecting', 'dropped, none left': 'failed', retry: 'reconnecting' },
  failed: { connect: 'connecting', disconnect: 'disconnected', opened: null, 'dropped, retries left': null, 'dropped, none left': null, retry: null },
};

describe('SDK-C1–SDK-C10: the connection state machine, every state × every input', () => {
  for (const state of STATES) {
    for (const input of INPUTS) {
      const to = EXPECTED[state][label(input)];
      it(`${state} + ${label(input)} → ${to ?? 'ignored'}`, () => {
        expect(nextState(state, input)).toBe(to);
      });
    }
  }

  it('every listed transition carries an SDK rule id, and no pair is listed twice', () => {
    const keys = TRANSITIONS.map((t) => `${t.from}|${t.input}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const t of TRANSITIONS) expect(t.rule).toMatch(/^SDK-C\d+$/);
  });

  it('SDK-C7, SDK-C10: failed is steady: no socket event leaves it, only connect() or disconnect()', () => {
    for (const input of INPUTS) {
      const to = nextState('failed', input);
      if (input.type === 'connect') expect(to).toBe('connecting');
      else if (input.type === 'disconnect') expect(to).toBe('disconnected');
      else expect(to).toBeNull();
    }
  });
});
