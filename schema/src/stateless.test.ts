import { describe, expect, it } from 'vitest';
import { encodeStateless, parseStateless, type StatelessMessage } from './stateless.ts';

describe('stateless messages (R1, R2)', () => {
  it('R1, R2: every kind survives encode and parse', () => {
    const all: StatelessMessage[] = [
      { type: 'ping', t: 42 },
      { type: 'pong', t: 42 },
      { type: 'presence', userId: 'u1', online: true },
      { type: 'presenceSnapshot', online: ['u1', 'u2'] },
    ];
    for (const message of all) expect(parseStateless(encodeStateless(message))).toEqual(message);
  });

  it('reads junk as null: not JSON, an unknown type, missing or wrong fields', () => {
    for (const payload of ['', 'not json', '42', 'null', '{}', '{"type":"hello"}', '{"type":"ping"}', '{"type":"pong","t":"soon"}',
      '{"type":"presence","userId":"u1","online":"yes"}', '{"type":"presenceSnapshot","online":[1]}']) {
      expect(parseStateless(payload), payload).toBeNull();
    }
  });
});
