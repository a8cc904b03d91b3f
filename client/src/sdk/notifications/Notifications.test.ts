import { describe, expect, it } from 'vitest';
import type { Message } from '@parley/schema';
import { Notifications } from './Notifications.ts';

const msg = (seq: number, senderId = 'bob', kind: Message['kind'] = 'text'): Message =>
  ({ id: `m${seq}`, conversationId: 'c', seq, senderId, kind, text: `t${seq}`, createdAt: seq }) as Message;

function notifications() {
  const got: number[] = [];
  const n = new Notifications('me', (m) => got.push(m.seq));
  return { n, got };
}

describe('SDK-N1: what the device had at start is not news', () => {
  it('nothing fires before the baseline ends, nor for what the baseline covers', () => {
    const { n, got } = notifications();
    n.note('c', [msg(1), msg(2)]);
    expect(got).toEqual([]);
    n.endBaseline([['c', 3], ['d', 10]]);
    n.note('c', [msg(3), msg(2)]);
    n.note('d', [msg(9), msg(10)]);
    expect(got).toEqual([]);
    n.note('c', [msg(4)]);
    expect(got).toEqual([4]);
  });
});

describe('SDK-N2: each message from someone else fires once, in seq order', () => {
  it('own and system messages never fire; repeats never fire; order is by seq', () => {
    const { n, got } = notifications();
    n.endBaseline([]);
    n.note('c', [msg(3), msg(1), msg(2, 'me'), msg(4, 'bob', 'system')]);
    expect(got).toEqual([1, 3]);
    n.note('c', [msg(3), msg(5)]);
    n.note('c', [msg(5)]);
    expect(got).toEqual([1, 3, 5]);
  });
});
