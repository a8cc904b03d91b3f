import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { windowMessages } from '@parley/schema';
import { eachServer } from './harness.ts';
import { connect, directConversation, register } from './clients.ts';

/** D2: the document holds a window, whatever the length of the history behind it. */
const HISTORY = 100_000;

eachServer('bounded window', (server) => {

  it(`D2: a conversation with ${HISTORY} messages of history opens with only its newest window`, async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const long = await directConversation(server.url, alice, bob);
    const carol = await register(server.url, 'carol');
    const short = await directConversation(server.url, alice, carol);

    // Seed the index the way the executor would have written it, in large batches.
    const { db } = server.services.store;
    const base = Date.now() - HISTORY;
    for (let from = 2; from <= HISTORY + 1; from += 2000) {
      const rows = [];
      for (let seq = from; seq < Math.min(from + 2000, HISTORY + 2); seq++) {
        rows.push({
          conversation_id: long, seq, id: `seed-${long.slice(-12)}-${seq}`, sender_id: seq % 2 ? alice.user.id : bob.user.id,
          kind: 'text', text: `history ${seq}`, media: null, reply_to: null, system: null, reactions: null, version: 1,
          edited_at: null, recalled_at: null, created_at: base + seq,
        });
      }
      await db.insertInto('messages').values(rows).execute();
    }
    await db.updateTable('conversations').set({ last_seq: HISTORY + 1, last_message_at: base + HISTORY + 1 }).where('id', '=', long).execute();

    const client = await connect(server.wsUrl, alice);
    const { doc: longDoc } = await client.open(long);
    const { doc: shortDoc } = await client.open(short);
    const window = windowMessages(longDoc);
    const windowSize = server.services.config.windowSize;
    expect(window).toHaveLength(windowSize);
    expect(window[0]!.seq).toBe(HISTORY + 2 - windowSize);
    expect(window.at(-1)!.seq).toBe(HISTORY + 1);
    const size = Y.encodeStateAsUpdate(longDoc).byteLength;
    // A window of short messages: a few tens of KB, against ~0.3 KB for the one-message conversation.
    expect(size).toBeLessThan(64 * 1024);
    expect(windowMessages(shortDoc)).toHaveLength(1);
    client.destroy();
  });
});
