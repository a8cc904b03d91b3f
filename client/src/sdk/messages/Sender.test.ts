import { describe, expect, it } from 'vitest';
import { LIMITS, userParts, type CommandResult, type Media } from '@parley/schema';
import * as Y from 'yjs';
import { FakeClock } from '../clock.ts';
import { Emitter, type ParleyEvents } from '../events.ts';
import { uuidv7 } from '../ids.ts';
import { Outbox } from '../outbox/Outbox.ts';
import { memoryStorage } from '../storage/memory.ts';
import { Sender } from './Sender.ts';

/** A Sender on a real Outbox over a user document; the test answers in `results` as the server would. */
async function setup() {
  const doc = new Y.Doc();
  const events = new Emitter<ParleyEvents>();
  const outbox = new Outbox(doc, { clock: new FakeClock(), storage: memoryStorage(), userId: 'me', maxRetries: 0, random: () => 0 }, {
    sent: (e) => events.emit('messageSent', e),
    failed: (e) => events.emit('messageFailed', e),
    changed: () => {},
    error: () => {},
  });
  await outbox.load();
  const changed: string[] = [];
  const sender = new Sender({ outbox: async () => outbox, directConversation: async () => directId, events, changed: (id) => changed.push(id) });
  const answer = (result: CommandResult) => {
    const { outbox: queue, results } = userParts(doc);
    doc.transact(() => {
      const i = queue.toArray().findIndex((c) => c.id === result.id);
      if (i >= 0) queue.delete(i, 1);
      results.push([result]);
    });
  };
  return { doc, outbox, sender, answer, changed, queued: () => userParts(doc).outbox.toArray() };
}

const conversationId = uuidv7();
const directId = uuidv7();
const media = { url: '/files/a', mimeType: 'image/png', size: 10 } as Media;

describe('Sender: a send is queued at once and settles with the server\'s answer', () => {
  it('confirmed resolves with the seq; the conversation is told a pending send appeared', async () => {
    const { sender, answer, changed, queued } = await setup();
    const sent = await sender.send({ conversationId, text: 'hello' });
    expect(queued().map((c) => c.id)).toHaveLength(1);
    expect(changed).toEqual([conversationId]);
    answer({ id: queued()[0]!.id, status: 'sent', seq: 7 } as CommandResult);
    expect(await sent.confirmed).toEqual({ seq: 7 });
  });

  it('a refusal rejects confirmed with the server\'s code', async () => {
    const { sender, answer, queued } = await setup();
    const sent = await sender.send({ conversationId, text: 'hello' });
    answer({ id: queued()[0]!.id, status: 'failed', code: 'NOT_A_MEMBER', message: 'no' } as CommandResult);
    await expect(sent.confirmed).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  });

  it('bad input throws with the server\'s code before anything is queued; toUserId finds the direct conversation', async () => {
    const { sender, queued } = await setup();
    await expect(sender.send({ text: 'nowhere' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(sender.send({ conversationId, text: 'x'.repeat(LIMITS.textMaxLength + 1) })).rejects.toMatchObject({ code: 'TEXT_TOO_LONG' });
    expect(queued()).toEqual([]);
    const direct = await sender.send({ toUserId: 'bob', text: 'hi' });
    expect([direct.conversationId, queued()[0]?.conversationId]).toEqual([directId, directId]);
  });

  it('a media send whose upload is running waits beside the outbox, joins it when the upload ends, fails if it fails', async () => {
    const { sender, queued, outbox } = await setup();
    let finish!: (m: Media) => void;
    const upload = new Promise<Media>((resolve) => (finish = resolve));
    const pending = await sender.send({ conversationId, media: upload });
    const text = await sender.send({ conversationId, text: 'after the photo' });
    expect(queued().map((c) => ('messageId' in c ? c.messageId : null))).toEqual([text.messageId]);
    expect(outbox.statusOf(pending.messageId)).toBeDefined();
    finish(media);
    await upload;
    expect(queued().map((c) => ('messageId' in c ? c.messageId : null))).toEqual([text.messageId, pending.messageId]);

    const broken = await sender.send({ conversationId, media: Promise.reject(new Error('disk full')) });
    await expect(broken.confirmed).rejects.toMatchObject({ code: 'MESSAGE_SEND_FAILED' });
  });
});
