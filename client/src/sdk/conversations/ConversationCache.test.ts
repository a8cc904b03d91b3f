import { describe, expect, it } from 'vitest';
import type { ConversationSummary, InboxEntry } from '@parley/schema';
import { memoryStorage } from '../storage/memory.ts';
import { ConversationCache } from './ConversationCache.ts';
import type { ConversationView } from './types.ts';

const summary = (id: string, lastSeq = 0): ConversationSummary =>
  ({ id, type: 'group', title: id, lastMessage: null, lastSeq, unreadCount: 0, createdAt: lastSeq }) as unknown as ConversationSummary;

function cache(storage = memoryStorage(), inbox = new Map<string, InboxEntry>()) {
  const lists: ConversationView[][] = [];
  const c = new ConversationCache('me', storage, () => ({ inbox, settings: new Map(), drafts: new Map(), online: new Set() }), {
    changed: (list) => lists.push(list),
    storageFailed: (e) => { throw e; },
  });
  return { c, lists, storage, inbox };
}

describe('SDK-L1: the joined list is computed once per change', () => {
  it('reads between changes return the same array; a change recomputes and notifies', () => {
    const { c, lists, inbox } = cache();
    c.replace([summary('a', 1)]);
    const first = c.list();
    expect(c.list()).toBe(first);
    inbox.set('b', { lastMessage: null, lastSeq: 3, readSeq: 0, unreadCount: 2, updatedAt: 9 } as unknown as InboxEntry);
    expect(c.list()).toBe(first);
    c.changed();
    expect(c.list()).not.toBe(first);
    expect(c.list().map((x) => x.id).sort()).toEqual(['a', 'b']);
    expect(lists).toHaveLength(2);
  });

  it('forget drops a conversation the user left; replace drops what the server no longer lists', () => {
    const { c } = cache();
    c.replace([summary('a'), summary('b')]);
    c.forget('a');
    expect(c.list().map((x) => x.id)).toEqual(['b']);
    c.replace([summary('c')]);
    expect(c.list().map((x) => x.id)).toEqual(['c']);
  });
});

describe('SDK-L2: the list survives on the device for offline starts', () => {
  it('a new session on the same storage shows the saved list before any network; clear() removes it', async () => {
    const storage = memoryStorage();
    const first = cache(storage);
    first.c.replace([summary('a', 2), summary('b', 1)]);
    first.c.remember({ ...summary('c', 3), members: [] } as never);
    await new Promise((r) => setTimeout(r, 0));
    const second = cache(storage);
    await second.c.load();
    expect(second.c.list().map((x) => x.id)).toEqual(['c', 'a', 'b']);
    await second.c.clear();
    const third = cache(storage);
    await third.c.load();
    expect(third.c.list()).toEqual([]);
  });
});
