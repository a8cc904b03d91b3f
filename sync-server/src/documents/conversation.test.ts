import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { epochState, windowMessages, type MessageEntry } from '@parley/schema';
import { buildConversation, trimWindow, upsertEntries, windowShortfall } from './conversation.ts';

const entry = (seq: number, v = 1): MessageEntry => ({ id: `m${seq}`, seq, v, senderId: 'a', kind: 'text', text: `#${seq}`, createdAt: seq });
const meta = { id: 'c', type: 'direct' as const, title: null, avatarUrl: null, members: [], status: 'active' as const, context: null, expiresAt: null };

describe('conversation document', () => {
  it('D2: keeps the newest window, one entry per message at its highest version', () => {
    const doc = new Y.Doc();
    buildConversation(doc, { meta, reads: {}, window: [], epoch: 1 });
    for (let seq = 1; seq <= 300; seq++) {
      upsertEntries(doc, [entry(seq)]);
      trimWindow(doc, 100);
    }
    upsertEntries(doc, [entry(300, 2)]);
    const messages = windowMessages(doc);
    expect(messages.length).toBeGreaterThanOrEqual(100);
    expect(messages.length).toBeLessThanOrEqual(125);
    expect(messages.at(-1)).toMatchObject({ seq: 300, v: 2 });
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    expect(messages.map((m) => m.seq)).toEqual([...messages.map((m) => m.seq)].sort((a, b) => a - b));
  });

  it('E3: trusts a stored copy only when it holds the window at its versions, in the current epoch', () => {
    const doc = new Y.Doc();
    buildConversation(doc, { meta, reads: {}, window: [entry(1), entry(2, 3)], epoch: 4 });
    expect(windowShortfall(doc, [{ id: 'm1', v: 1 }, { id: 'm2', v: 3 }], 4)).toBeNull();
    expect(windowShortfall(doc, [{ id: 'm2', v: 4 }], 4)).not.toBeNull();
    expect(windowShortfall(doc, [{ id: 'm3', v: 1 }], 4)).not.toBeNull();
    expect(windowShortfall(doc, [{ id: 'm1', v: 1 }], 5)).not.toBeNull();
  });

  it('E2: a replica that merged an older epoch knows it is stale', () => {
    const old = new Y.Doc();
    buildConversation(old, { meta, reads: {}, window: [entry(1)], epoch: 1 });
    const fresh = new Y.Doc();
    buildConversation(fresh, { meta, reads: {}, window: [entry(1)], epoch: 2 });
    expect(epochState(fresh)).toEqual({ epoch: 2, stale: false });
    Y.applyUpdate(old, Y.encodeStateAsUpdate(fresh));
    expect(epochState(old)).toEqual({ epoch: 2, stale: true });
  });
});
