import { describe, expect, it } from 'vitest';
import type { ConversationSummary, InboxEntry, Message } from '@parley/schema';
import { conversationList } from './listView.ts';

const message = (seq: number, text: string): Message => ({ id: `m${seq}`, conversationId: 'c', seq, senderId: 'bob', kind: 'text', text, createdAt: seq * 1000, version: 1 });
const summary = (id: string, o: Partial<ConversationSummary> = {}): ConversationSummary => ({
  id, type: 'direct', title: null, avatarUrl: null, status: 'active', context: null, expiresAt: null, createdAt: 0, lastSeq: 1,
  lastMessage: message(1, 'rest'), unreadCount: 1, readSeq: 0, role: 'member', memberCount: 2, peer: { id: 'bob', username: 'bob', displayName: 'Bob' }, ...o,
});
const inbox = (id: string, seq: number): InboxEntry => ({ conversationId: id, lastMessage: message(seq, 'live'), unreadCount: seq, lastSeq: seq, readSeq: 0, updatedAt: seq * 1000 });

describe('SDK-L1: conversation list', () => {
  it('the live inbox overrides the REST summary; presence and settings are joined in', () => {
    const rows = conversationList({
      summaries: new Map([['a', summary('a')], ['b', summary('b', { lastMessage: message(9, 'b'), lastSeq: 9 })]]),
      inbox: new Map([['a', inbox('a', 5)], ['new', inbox('new', 2)]]),
      settings: new Map([['new', { pinned: true }]]),
      drafts: new Map(),
      online: new Set(['bob']),
    });
    expect(rows.map((r) => r.id)).toEqual(['new', 'b', 'a']);
    const a = rows.find((r) => r.id === 'a')!;
    expect([a.lastMessage?.text, a.unreadCount, a.online]).toEqual(['live', 5, true]);
  });
});
