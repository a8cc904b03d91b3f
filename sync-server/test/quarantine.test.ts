import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { conversationDocName, latestByKey, userDocName, userParts, windowMessages } from '@parley/schema';
import { eachServer } from './harness.ts';
import { connect, directConversation, register, waitFor } from './clients.ts';
import { rawClient } from './raw.ts';

/** Issue 11, poison that sticks (rule P5): a document that cannot load as stored is quarantined and rebuilt, never locked out. */
eachServer('quarantine', (server) => {
  const quarantined = async (kind: string) => (await server.sync.metrics.quarantined.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;
  const unloaded = (name: string) => waitFor(() => !server.sync.server.hocuspocus.documents.has(name), 20_000, `${name} unloaded`);

  it('P5: a null written into one\'s own inbox is kept aside; the user document opens again, its inbox rebuilt from the index', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const name = userDocName(alice.user.id);
    const before = await quarantined('user');
    const poisoner = await rawClient(server.wsUrl);
    poisoner.auth(name, alice.token);
    await poisoner.authenticated(name);
    const local = new Y.Doc();
    (userParts(local).inbox as Y.Array<unknown>).push([null]);
    poisoner.update(name, Y.encodeStateAsUpdate(local));
    await new Promise((r) => setTimeout(r, 300));
    poisoner.close();
    await unloaded(name);

    const a = await connect(server.wsUrl, alice);
    expect(latestByKey(userParts(a.user.doc).inbox).has(conversationId)).toBe(true);
    expect(userParts(a.user.doc).inbox.toArray()).not.toContain(null);
    expect(await quarantined('user')).toBe(before + 1);
    const kept = fs.readdirSync(path.join(server.database.dataDir, 'quarantine'));
    expect(kept.some((f) => f.startsWith(name.replace(':', '_')))).toBe(true);
    a.destroy();
  });

  it('P5: a conversation document whose stored update does not decode is rebuilt from the index', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const name = conversationDocName(conversationId);
    const a = await connect(server.wsUrl, alice);
    await a.open(conversationId);
    a.send(conversationId, 'kept in the index');
    await waitFor(() => a.messages(conversationId).some((m) => m.text === 'kept in the index'), 10_000, 'message');
    a.destroy();
    await unloaded(name);
    const before = await quarantined('conversation');
    await server.services.store.db.insertInto('document_updates').values({ name, data: new Uint8Array([255, 255, 255, 255, 1, 2, 3]), created_at: Date.now() }).execute();

    const b = await connect(server.wsUrl, bob);
    const { doc } = await b.open(conversationId);
    await waitFor(() => windowMessages(doc).some((m) => m.text === 'kept in the index'), 10_000, 'the message rebuilt from the index');
    expect(await quarantined('conversation')).toBe(before + 1);
    b.destroy();
  });
});
