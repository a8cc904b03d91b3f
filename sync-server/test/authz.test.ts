import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { SignJWT } from 'jose';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { conversationDocName, conversationParts, userDocName, userParts, windowMessages, type HistoryPage } from '@parley/schema';
import { eachServer } from './harness.ts';
import { api, connect, directConversation, register, synced, waitFor, type SyncClient } from './clients.ts';

/** Opens a document with an arbitrary token on a client's socket; resolves with the denial reason. */
async function denial(client: SyncClient, name: string, token: string): Promise<{ code: string }> {
  const provider = new HocuspocusProvider({ websocketProvider: client.socket, name, document: new Y.Doc(), token });
  provider.attach();
  try {
    await synced(provider, 5_000);
    throw new Error(`${name} opened`);
  } catch (error) {
    const reason = String((error as Error).message).replace('authentication failed: ', '');
    return JSON.parse(reason) as { code: string };
  } finally {
    provider.destroy();
  }
}

eachServer('sync authorization', (server) => {

  it('A2: a user document opens for its owner only', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const b = await connect(server.wsUrl, bob);
    expect(await denial(b, userDocName(alice.user.id), bob.token)).toMatchObject({ code: 'FORBIDDEN' });
    b.destroy();
  });

  it('A3: a conversation document opens for members only', async () => {
    const [alice, bob, mallory] = [await register(server.url, 'alice'), await register(server.url, 'bob'), await register(server.url, 'mallory')];
    const conversationId = await directConversation(server.url, alice, bob);
    const m = await connect(server.wsUrl, mallory);
    expect(await denial(m, conversationDocName(conversationId), mallory.token)).toMatchObject({ code: 'NOT_A_MEMBER' });
    expect(await denial(m, 'conversation:../../etc', mallory.token)).toMatchObject({ code: 'NOT_FOUND' });
    // Sending into it through the outbox is refused too.
    m.send(conversationId, 'let me in');
    await waitFor(() => m.results().length === 1, 10_000, 'result');
    expect(m.results()[0]).toMatchObject({ status: 'failed', code: 'NOT_A_MEMBER' });
    m.destroy();
  });

  it('A1: forged, expired and malformed tokens are refused with a code', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    // Bob's socket, so that alice's own document is not open on it already.
    const a = await connect(server.wsUrl, bob);
    const name = userDocName(alice.user.id);
    const forged = await new SignJWT({ typ: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(alice.user.id).setIssuer('parley')
      .setExpirationTime('1h').sign(new TextEncoder().encode('not-the-server-secret-at-all'));
    expect(await denial(a, name, forged)).toMatchObject({ code: 'AUTH_FAILED' });
    const expired = await new SignJWT({ typ: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(alice.user.id).setIssuer('parley')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(new TextEncoder().encode(server.services.config.jwtSecret));
    expect(await denial(a, name, expired)).toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await denial(a, name, 'garbage')).toMatchObject({ code: 'AUTH_FAILED' });
    a.destroy();
  });

  it("D1: a member's writes to a conversation document reach nobody and change nothing", async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const { doc: docA } = await a.open(conversationId);
    const { doc: docB } = await b.open(conversationId);
    conversationParts(docA).messages.push([{ id: 'forged-message', seq: 999, v: 1, senderId: bob.user.id, kind: 'text', text: 'I owe alice $1000', createdAt: 1 }]);
    a.send(conversationId, 'a real one');
    await waitFor(() => windowMessages(docB).some((m) => m.text === 'a real one'), 10_000, 'real message');
    expect(windowMessages(docB).some((m) => m.id === 'forged-message')).toBe(false);
    const { body } = await api<HistoryPage>(server.url, `/conversations/${conversationId}/messages`, { token: bob.token });
    expect(body.items.some((m) => m.id === 'forged-message')).toBe(false);
    // A fresh replica loads from the server and has no trace of it either.
    const c = await connect(server.wsUrl, bob);
    const { doc: docC } = await c.open(conversationId);
    expect(windowMessages(docC).some((m) => m.id === 'forged-message')).toBe(false);
    for (const x of [a, b, c]) x.destroy();
  });

  it('A4: awareness carries the real user id whatever the client claims', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const { provider: pa } = await a.open(conversationId);
    const { provider: pb } = await b.open(conversationId);
    pa.setAwarenessField('user', { id: bob.user.id, name: 'bob, honestly' });
    pa.setAwarenessField('typing', true);
    const typer = () => [...(pb.awareness?.getStates().values() ?? [])].find((s) => s.typing === true);
    await waitFor(() => typer() !== undefined, 10_000, 'typing state');
    expect(typer()!.user.id).toBe(alice.user.id);
    a.destroy();
    b.destroy();
  });

  it('A3: a removed member is disconnected from the conversation and cannot reopen it', async () => {
    const [owner, bob] = [await register(server.url, 'owner'), await register(server.url, 'bob')];
    const { body } = await api<{ conversation: { id: string } }>(server.url, '/conversations', {
      token: owner.token, body: { type: 'group', title: 'Team', memberIds: [bob.user.id] },
    });
    const conversationId = body.conversation.id;
    const b = await connect(server.wsUrl, bob);
    const { provider } = await b.open(conversationId);
    let closed = false;
    provider.on('close', () => (closed = true));
    const removed = await api(server.url, `/conversations/${conversationId}/members/${bob.user.id}`, { method: 'DELETE', token: owner.token });
    expect(removed.status).toBe(200);
    await waitFor(() => closed || !provider.isSynced, 10_000, 'eviction');
    expect(await denial(b, conversationDocName(conversationId), bob.token)).toMatchObject({ code: 'NOT_A_MEMBER' });
    b.send(conversationId, 'still here?');
    await waitFor(() => b.results().length === 1, 10_000, 'result');
    expect(b.results()[0]).toMatchObject({ status: 'failed', code: 'NOT_A_MEMBER' });
    await waitFor(() => !userParts(b.user.doc).inbox.toArray().some((e) => e.key === conversationId), 10_000, 'inbox entry gone');
    b.destroy();
  });
});
