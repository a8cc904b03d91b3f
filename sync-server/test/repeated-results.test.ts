import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { v7 as uuidv7 } from 'uuid';
import { userDocName, userParts } from '@parley/schema';
import { eachServer } from './harness.ts';
import { connect, directConversation, register, waitFor, type SyncClient } from './clients.ts';

/**
 * O4 across copies of a user document: a copy that lost a command's answer
 * (a kill -9 between the broadcast and the log append) answers it again; when
 * the client's copy, which holds the first answer, merges in, one answer stays.
 * The chaos suite found the command with two results.
 */
const copyOf = (update: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
};
const resultIds = (c: SyncClient) => c.results().map((r) => r.id);

eachServer('one result per command across copies', (server) => {
  it('O4: a command answered again by a copy that lost its first answer ends with one result once the copies merge', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const name = userDocName(alice.user.id);
    const local = new Y.Doc();
    const command = { id: uuidv7(), type: 'send' as const, conversationId, messageId: uuidv7(), kind: 'text' as const, text: 'once', createdAt: Date.now() };
    userParts(local).outbox.push([command]);
    const pending = Y.encodeStateAsUpdate(local);

    // The first copy answers; the client keeps that answer.
    const first = await connect(server.wsUrl, alice, { doc: copyOf(pending) });
    await waitFor(() => first.results().length === 1 && userParts(first.user.doc).outbox.length === 0, 10_000, 'the first answer');
    const answered = Y.encodeStateAsUpdate(first.user.doc);
    first.destroy();
    await waitFor(() => !server.sync.server.hocuspocus.documents.has(name), 10_000, 'the user document unloaded');
    // The server's copy loses the answer: it is not in the store.
    const { db } = server.services.store;
    await db.deleteFrom('document_updates').where('name', '=', name).execute();
    await db.deleteFrom('documents').where('name', '=', name).execute();

    // Another device still holds the command: the server answers it again (the index has it once, O4).
    const second = await connect(server.wsUrl, alice, { doc: copyOf(pending) });
    await waitFor(() => second.results().length === 1 && userParts(second.user.doc).outbox.length === 0, 10_000, 'the second answer');
    // The first device comes back with its copy of the first answer.
    const back = await connect(server.wsUrl, alice, { doc: copyOf(answered) });
    try {
      await waitFor(() => [second, back].every((c) => resultIds(c).length === 1), 10_000, 'one result in every copy');
      await new Promise((r) => setTimeout(r, 300));
      expect(resultIds(second)).toEqual([command.id]);
      expect(resultIds(back)).toEqual([command.id]);
      const rows = await db.selectFrom('messages').select('id').where('id', '=', command.messageId).execute();
      expect(rows).toHaveLength(1);
    } finally {
      second.destroy();
      back.destroy();
    }
  });
});
