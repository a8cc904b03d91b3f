import { expect, it } from 'vitest';
import { eachServer } from './harness.ts';
import { connect, directConversation, register, waitFor } from './clients.ts';

eachServer('repair', (server) => {
  it('O14: a send that committed without its projection shows in the document once it is answered again', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const conversationId = await directConversation(server.url, alice, bob);
    await b.open(conversationId);
    await a.open(conversationId);
    const hub = server.sync.documents;
    const project = hub.project.bind(hub);
    let lost = 0;
    // The commit lands and its projection does not: the database's answer lost, say.
    hub.project = async (id, change) => {
      if (lost++ === 0) throw new Error('lost after the commit');
      return project(id, change);
    };
    try {
      const sent = a.send(conversationId, 'committed, not projected');
      await waitFor(() => a.results().some((r) => r.id === sent.id), 20_000, 'the send answered');
      expect(a.results().filter((r) => r.id === sent.id).map((r) => r.status)).toEqual(['sent']);
      await waitFor(() => b.messages(conversationId).some((m) => m.id === sent.messageId), 15_000, "the message in bob's document");
      expect(b.messages(conversationId).filter((m) => m.id === sent.messageId)).toHaveLength(1);
      // What comes after lands as usual, once each.
      const next = a.send(conversationId, 'after');
      await waitFor(() => b.messages(conversationId).some((m) => m.id === next.messageId), 15_000, 'the next message');
      expect(b.messages(conversationId).filter((m) => m.kind === 'text').map((m) => m.text)).toEqual(['committed, not projected', 'after']);
    } finally {
      hub.project = project;
      a.destroy();
      b.destroy();
    }
  }, 40_000);
});
