import { describe, expect, it } from 'vitest';
import { encodeStateless, parseStateless, type StatelessMessage } from './stateless.ts';

describe('stateless messages (R1, R2)', () => {
  it('R1, R2: every kind survives encode and parse', () => {
    const all: StatelessMessage[] = [
      { type: 'ping', t: 42 },
      { type: 'pong', t: 42 },
      { type: 'presence', userId: 'u1', online: true },
      { type: 'presenceSnapshot', online: ['u1', 'u2'] },
      { type: 'callInvite', callId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000', conversationId: 'c1', calleeId: 'u2', video: true, peerToken: 't' },
      { type: 'callAccepted', callId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000', peerId: 'p1' },
      { type: 'callEnded', callId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000', reason: 'hangup', outcome: 'completed', durationMs: 1200 },
      { type: 'callRefused', callId: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000', step: 'callAccept', code: 'CONFLICT', message: 'already answered' },
    ];
    for (const message of all) expect(parseStateless(encodeStateless(message))).toEqual(message);
  });

  it('reads junk as null: not JSON, an unknown type, missing or wrong fields', () => {
    for (const payload of ['', 'not json', '42', 'null', '{}', '{"type":"hello"}', '{"type":"ping"}', '{"type":"pong","t":"soon"}',
      '{"type":"presence","userId":"u1","online":"yes"}', '{"type":"presenceSnapshot","online":[1]}',
      // K7: a call step with a short or missing call id, an unknown outcome or code.
      '{"type":"callHangup","callId":"x"}', '{"type":"callAccept","peerToken":"t"}',
      '{"type":"callEnded","callId":"0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000","reason":"hangup","outcome":"great"}',
      '{"type":"callRefused","callId":"0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000","step":"x","code":"NOPE","message":""}']) {
      expect(parseStateless(payload), payload).toBeNull();
    }
  });
});
