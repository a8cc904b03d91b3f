import { describe, expect, it } from 'vitest';
import type { Message, SendCommand } from '@parley/schema';
import { mergeMessages, readByCount } from './mergeMessages.ts';

const msg = (id: string, seq: number, o: Partial<Message> = {}): Message => ({
  id, conversationId: 'c', seq, senderId: 'bob', kind: 'text', text: id, createdAt: seq, version: 1, ...o,
});
const send = (messageId: string, createdAt: number): SendCommand => ({
  id: `cmd-${messageId}`, type: 'send', conversationId: 'c', messageId, kind: 'text', text: messageId, createdAt,
});
const base = { conversationId: 'c', me: 'alice', history: [] as Message[], window: [] as Message[], pending: [] };

describe('message list merging', () => {
  it('SDK-M1: one entry per id, the higher version wins, from either source', () => {
    const list = mergeMessages({
      ...base,
      history: [msg('a', 1, { text: 'old', version: 1 }), msg('b', 2, { version: 3, text: 'edited' })],
      window: [msg('a', 1, { text: 'new', version: 2 }), msg('b', 2, { version: 1 })],
    });
    expect(list.map((m) => [m.id, m.text])).toEqual([['a', 'new'], ['b', 'edited']]);
  });

  it('SDK-M2: ordered by seq whatever the input order (history pages + window overlap)', () => {
    const list = mergeMessages({
      ...base,
      history: [msg('c', 3), msg('a', 1), msg('b', 2)],
      window: [msg('e', 5), msg('c', 3), msg('d', 4)],
    });
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('SDK-M3: pending sends come last in creation order, marked pending or failed', () => {
    const list = mergeMessages({
      ...base,
      window: [msg('a', 1)],
      pending: [
        { command: send('p2', 20) },
        { command: send('p1', 10), error: { code: 'RATE_LIMITED', message: 'slow down' } },
      ],
    });
    expect(list.map((m) => [m.id, m.status, m.seq])).toEqual([['a', 'sent', 1], ['p1', 'failed', null], ['p2', 'pending', null]]);
    expect(list[1]!.retryable).toBe(true);
    expect(list[2]!.mine).toBe(true);
  });

  it('SDK-M4: a send already in the window shows once, as sent; duplicate pending entries show once', () => {
    const list = mergeMessages({
      ...base,
      window: [msg('p1', 7, { senderId: 'alice' })],
      pending: [{ command: send('p1', 1) }, { command: send('p2', 2) }, { command: { ...send('p2', 2), id: 'other' } }],
    });
    expect(list.map((m) => [m.id, m.status])).toEqual([['p1', 'sent'], ['p2', 'pending']]);
    expect(list[0]!.mine).toBe(true);
  });

  it('SDK-M5: cleared history is hidden', () => {
    const list = mergeMessages({ ...base, window: [msg('a', 1), msg('b', 2), msg('c', 3)], clearedBefore: 2 });
    expect(list.map((m) => m.id)).toEqual(['c']);
  });

  it('ignores pending sends of other conversations', () => {
    const list = mergeMessages({ ...base, pending: [{ command: { ...send('x', 1), conversationId: 'other' } }] });
    expect(list).toEqual([]);
  });

  it('read-by counts members other than the sender whose read seq reached the message', () => {
    const members = [{ userId: 'alice', role: 'owner' as const }, { userId: 'bob', role: 'member' as const }, { userId: 'carol', role: 'member' as const }];
    const reads = new Map([['alice', 5], ['bob', 3], ['carol', 4]]);
    expect(readByCount({ seq: 4, senderId: 'alice' }, members, reads)).toBe(1);
    expect(readByCount({ seq: 3, senderId: 'alice' }, members, reads)).toBe(2);
    expect(readByCount({ seq: 3, senderId: 'bob' }, members, reads)).toBe(2);
    const list = mergeMessages({ ...base, window: [msg('a', 3, { senderId: 'alice' })], members, reads });
    expect(list[0]!.readBy).toBe(2);
  });
});
