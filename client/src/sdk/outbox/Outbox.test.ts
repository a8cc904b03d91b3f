import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { storedResult, userParts, type Command, type CommandResult, type SendCommand } from '@parley/schema';
import { FakeClock } from '../clock.ts';
import type { MessageFailedEvent } from '../events.ts';
import { memoryStorage } from '../storage/memory.ts';
import { Outbox, SENT_REMEMBERED } from './Outbox.ts';
import { retryInsertionIndex } from './queue.ts';

/** An Outbox on a bare user document; the test plays the server by editing `outbox` and `results`. */
async function setup(storage = memoryStorage(), doc = new Y.Doc()) {
  const clock = new FakeClock(1_000_000);
  const failures: MessageFailedEvent[] = [];
  const confirmations: string[] = [];
  const outbox = new Outbox(doc, { clock, storage, userId: 'u1', maxRetries: 5, random: () => 0.5 }, {
    sent: (e) => confirmations.push(e.commandId),
    failed: (e) => failures.push(e),
    changed: () => undefined,
    error: (e) => {
      throw e;
    },
  });
  await outbox.load();
  let typed = 0;
  const send = (conversationId: string, text: string) =>
    outbox.append({ id: `command-${text}`, type: 'send', conversationId, messageId: `message-${text}`, kind: 'text', text, createdAt: 1_000_000 + typed++ }) as SendCommand;
  const queue = () => userParts(doc).outbox.toArray();
  const texts = () => queue().map((c) => ('text' in c ? c.text : c.type));
  /** The server handles the entry with this text: removes it, writes its result. */
  const handle = (text: string, result: (c: Command) => CommandResult) => {
    const items = queue();
    const index = items.findIndex((c) => 'text' in c && c.text === text);
    const command = items[index]!;
    doc.transact(() => {
      userParts(doc).outbox.delete(index, 1);
      userParts(doc).results.push([storedResult(result(command))]);
    });
  };
  const sent = (seq: number) => (c: Command): CommandResult => ({ id: c.id, status: 'sent', seq, at: 0 });
  const full = (c: Command): CommandResult => ({ id: c.id, status: 'failed', code: 'OUTBOX_FULL', message: 'full', at: 0 });
  return { outbox, clock, doc, failures, confirmations, send, queue, texts, handle, sent, full, storage };
}

describe('SDK-Q3: retries keep the order typed', () => {
  it('a retryable failure goes back before the later sends of its conversation, and holds new ones behind it', async () => {
    const t = await setup();
    t.send('conv-ccc', 'a1');
    t.send('conv-ccc', 'a2');
    t.send('conv-ccc', 'a3');
    t.send('conv-other', 'b1');
    t.handle('a1', t.sent(1));
    t.handle('a2', t.full);
    expect(t.failures.map((f) => [f.messageId, f.error.code, f.retryable])).toEqual([['message-a2', 'OUTBOX_FULL', true]]);
    expect(t.outbox.messageStatus('message-a2')).toBe('failed');

    // Typed while a2 waits: held in the SDK, not in the outbox, shown pending.
    t.send('conv-ccc', 'a4');
    t.send('conv-other', 'b2');
    expect(t.texts()).toEqual(['a3', 'b1', 'b2']);
    expect(t.outbox.messageStatus('message-a4')).toBe('pending');

    // One timer for the round, not one per message (past the 100 ms storage write).
    t.clock.advance(100);
    expect(t.clock.pending()).toEqual([900]);
    t.clock.advance(900);
    expect(t.texts()).toEqual(['a2', 'a3', 'b1', 'b2', 'a4']);
    expect(t.queue()[0]!.id).toBe('command-a2-r1');
    expect(t.outbox.messageStatus('message-a2')).toBe('pending');
    t.clock.advance(100);
    expect(t.clock.pending()).toEqual([]);
  });

  it('several failures go back in the order typed, whatever order their results came in', async () => {
    const t = await setup();
    for (const text of ['a1', 'a2', 'a3', 'a4']) t.send('conv-ccc', text);
    t.handle('a3', t.full);
    t.handle('a1', t.full);
    t.handle('a2', t.full);
    t.clock.advance(1000);
    expect(t.texts()).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(t.queue().map((c) => c.id)).toEqual(['command-a1-r1', 'command-a2-r1', 'command-a3-r1', 'command-a4']);
  });

  it('rounds back off on one timer, deterministically, until the failure clears', async () => {
    const t = await setup();
    t.send('conv-ccc', 'a1');
    t.handle('a1', t.full);
    t.clock.advance(100);
    expect(t.clock.pending()).toEqual([900]);
    t.clock.advance(900);
    t.handle('a1', t.full);
    t.clock.advance(100);
    expect(t.clock.pending()).toEqual([1900]);
    t.clock.advance(1900);
    expect(t.queue().map((c) => c.id)).toEqual(['command-a1-r2']);
    t.handle('a1', t.sent(7));
    expect(t.outbox.messageStatus('message-a1')).toBe('sent');
  });

  it('a discarded failure stops holding its conversation', async () => {
    const t = await setup();
    t.send('conv-ccc', 'a1');
    t.handle('a1', t.full);
    t.send('conv-ccc', 'a2');
    expect(t.texts()).toEqual([]);
    t.outbox.discard('message-a1');
    t.clock.advance(1000);
    expect(t.texts()).toEqual(['a2']);
    expect(t.outbox.messageStatus('message-a1')).toBeUndefined();
  });

  it('what waits survives a reload', async () => {
    const storage = memoryStorage();
    const doc = new Y.Doc();
    const t = await setup(storage, doc);
    t.send('conv-ccc', 'a1');
    t.handle('a1', t.full);
    t.send('conv-ccc', 'a2');
    t.outbox.destroy();
    await new Promise((r) => setTimeout(r, 0));

    const again = await setup(storage, doc);
    expect(again.outbox.messageStatus('message-a2')).toBe('pending');
    again.clock.advance(1000);
    expect(again.texts()).toEqual(['a1', 'a2']);
  });

  it('retryInsertionIndex: never behind a later-typed send of the same conversation, priority otherwise', () => {
    const cmd = (text: string, conversationId: string, createdAt: number, kind: 'text' | 'image' = 'text'): SendCommand => ({
      id: text, type: 'send', conversationId, messageId: text, kind, text, createdAt,
      ...(kind === 'image' ? { media: { url: '/f', mimeType: 'image/png', size: 1 } } : {}),
    });
    const queue = [cmd('x1', 'other', 1), cmd('a3', 'c', 3), cmd('m', 'other', 4, 'image')];
    expect(retryInsertionIndex(queue, cmd('a2', 'c', 2))).toBe(1);
    expect(retryInsertionIndex(queue, cmd('a9', 'c', 9))).toBe(2);
  });
});

describe('SDK-Q4: messageStatus outside the window', () => {
  it('a sent message stays "sent" after it left every window, across a reload, within SENT_REMEMBERED', async () => {
    const storage = memoryStorage();
    const doc = new Y.Doc();
    const t = await setup(storage, doc);
    t.send('conv-ccc', 'old');
    t.handle('old', t.sent(1));
    // The results array forgets it too (rule O3 keeps the last 500).
    doc.transact(() => userParts(doc).results.delete(0, userParts(doc).results.length));
    expect(t.outbox.messageStatus('message-old')).toBe('sent');
    expect(t.outbox.messageStatus('message-never')).toBeUndefined();
    t.outbox.destroy();
    await new Promise((r) => setTimeout(r, 0));
    const again = await setup(storage, doc);
    expect(again.outbox.messageStatus('message-old')).toBe('sent');

    // Bounded: the oldest goes once more than SENT_REMEMBERED are known.
    again.outbox.confirmSeen(Array.from({ length: SENT_REMEMBERED }, (_, i) => `seen-${i}`));
    expect(again.outbox.messageStatus('message-old')).toBeUndefined();
    expect(again.outbox.messageStatus(`seen-${SENT_REMEMBERED - 1}`)).toBe('sent');
  });
});

describe('O4 on the client', () => {
  it('a command answered twice (two server copies merged) is confirmed once', async () => {
    const t = await setup();
    const command = t.send('conv-ccc', 'once');
    t.handle('once', t.sent(1));
    // The other copy's answer to the same command merges in.
    userParts(t.doc).results.push([storedResult({ id: command.id, status: 'sent', seq: 1, at: 0 })]);
    expect(t.confirmations).toEqual([command.id]);
    expect(t.outbox.messageStatus(command.messageId)).toBe('sent');
  });
});
