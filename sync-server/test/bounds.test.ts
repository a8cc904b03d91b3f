import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { v7 as uuidv7 } from 'uuid';
import { latestByKey, userParts, type Command } from '@parley/schema';
import { eachServer } from './harness.ts';
import { connect, directConversation, register, waitFor } from './clients.ts';

/**
 * B1: nothing grows with the number of writes. One user sends N messages that
 * the other reads as they arrive; the user documents and the conversation
 * document must stay within fixed bounds (DESIGN.md: a Y.Map keyed by command
 * id would leave ~11.5 MB behind at 100,000).
 */
const COUNT = Number(process.env.PARLEY_BOUNDS_MESSAGES ?? 100_000);
const BATCH = 500;

eachServer('document bounds', (server, dialect) => {
  // The full 100,000 on the embedded database; MySQL proves the same bound on a tenth, within CI's time.
  const count = dialect === 'sqlite' ? COUNT : Math.ceil(COUNT / 10);

  it(`B1: after ${count} messages sent and read, user documents stay under 64 KB and the conversation within its window`, async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const { doc: conversation } = await b.open(conversationId);
    const outboxA = userParts(a.user.doc).outbox;
    const outboxB = userParts(b.user.doc).outbox;
    const bobInbox = () => latestByKey(userParts(b.user.doc).inbox).get(conversationId);

    for (let sent = 0; sent < count; sent += BATCH) {
      const batch: Command[] = [];
      for (let i = sent; i < Math.min(count, sent + BATCH); i++) {
        batch.push({ id: uuidv7(), type: 'send', conversationId, messageId: uuidv7(), kind: 'text', text: `message ${i}`, createdAt: Date.now() });
      }
      outboxA.push(batch);
      await waitFor(() => outboxA.length === 0, 120_000, `batch at ${sent}`);
      // Bob reads what arrived, as a client on screen would.
      const last = bobInbox()?.lastSeq ?? 0;
      outboxB.push([{ id: uuidv7(), type: 'read', conversationId, seq: last, createdAt: Date.now() }]);
    }
    const lastSeq = count + 1;
    await waitFor(() => bobInbox()?.lastSeq === lastSeq && outboxB.length === 0, 60_000, 'last message in bob\'s inbox');
    outboxB.push([{ id: uuidv7(), type: 'read', conversationId, seq: lastSeq, createdAt: Date.now() }]);
    await waitFor(() => bobInbox()?.unreadCount === 0, 30_000, 'everything read');

    const sizes = {
      aliceUser: Y.encodeStateAsUpdate(a.user.doc).byteLength,
      bobUser: Y.encodeStateAsUpdate(b.user.doc).byteLength,
      conversation: Y.encodeStateAsUpdate(conversation).byteLength,
    };
    expect(sizes.aliceUser).toBeLessThan(64 * 1024);
    expect(sizes.bobUser).toBeLessThan(64 * 1024);
    // A window of 200 short messages (~100 B of JSON each, up to 125 % before a trim) plus bookkeeping.
    expect(sizes.conversation).toBeLessThan(64 * 1024);
    expect(userParts(a.user.doc).results.length).toBeLessThanOrEqual(600);
    expect(userParts(a.user.doc).results.length).toBeGreaterThanOrEqual(Math.min(count, 500));
    a.destroy();
    b.destroy();
    // The server's own copies, as stored once every client has gone and the documents unloaded.
    await waitFor(() => server.sync.server.hocuspocus.getDocumentsCount() === 0, 30_000, 'documents unloaded');
    const stored = await server.services.store.db.selectFrom('documents').select(['name', 'data']).execute();
    expect(stored.length).toBe(3);
    for (const row of stored) expect(row.data.byteLength, row.name).toBeLessThan(64 * 1024);
  }, 900_000);
});
