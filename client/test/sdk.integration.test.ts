import { describe, expect, it } from 'vitest';
import type { Message } from '@parley/schema';
import type { MessageSentEvent } from '../src/sdk/index.ts';
import { account, client, direct, serverForFile, until } from './helpers.ts';

const file = serverForFile();
const track = file.track;

describe('SDK against the real sync-server', () => {
  it('send and receive between two users, with status, events and read-by', async () => {
    const [a, b] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob')];
    const alice = track(client(file.server.url, a));
    const bob = track(client(file.server.url, b));
    const events: string[] = [];
    alice.setCallbacks({ connected: () => events.push('connected'), authenticated: () => events.push('authenticated') });
    const sent: MessageSentEvent[] = [];
    alice.on('messageSent', (e) => sent.push(e));
    const received: Message[] = [];
    bob.on('messageReceived', (m) => received.push(m));
    await Promise.all([alice.connect(), bob.connect()]);
    await Promise.all([alice.whenSynced(), bob.whenSynced()]);
    expect(alice.getConnectionState()).toBe('connected');
    expect(events).toEqual(['connected', 'authenticated']);

    const conv = await direct(alice, b);
    const room = await alice.openConversation(conv.id);
    const bobRoom = await bob.openConversation(conv.id);
    await until(() => bobRoom.messages().length, 'bob to load the conversation');
    const { messageId, confirmed } = await alice.sendMessage({ conversationId: conv.id, text: 'hello bob' });
    expect(room.messages().at(-1)).toMatchObject({ id: messageId, status: 'pending', seq: null });
    const { seq } = await confirmed;
    expect(seq).toBeGreaterThan(0);
    expect(sent.map((e) => e.messageId)).toContain(messageId);
    await until(() => room.messages().find((m) => m.id === messageId && m.status === 'sent'), 'the window to show the message');

    await until(() => received.some((m) => m.id === messageId), 'bob to receive it');
    await until(() => bobRoom.messages().some((m) => m.id === messageId), 'bob\'s window');
    await bob.markRead(conv.id);
    await until(() => room.readBy(messageId) === 1, 'read by 1');
    await until(() => bob.listConversations().find((c) => c.id === conv.id && c.unreadCount === 0), 'unread back to 0');

    // Bad input fails locally with the server's code.
    await expect(alice.sendMessage({ conversationId: conv.id, text: 'x'.repeat(9000) })).rejects.toMatchObject({ code: 'TEXT_TOO_LONG' });
  });

  it('edit, recall, react show up as new versions of the same message', async () => {
    const [a, b] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob')];
    const alice = track(client(file.server.url, a));
    await alice.connect();
    const conv = await direct(alice, b);
    const room = await alice.openConversation(conv.id);
    const { messageId, confirmed } = await alice.sendMessage({ conversationId: conv.id, text: 'typo' });
    await confirmed;
    await alice.editMessage(conv.id, messageId, 'fixed');
    await alice.react(conv.id, messageId, '👍');
    await until(() => room.messages().find((m) => m.id === messageId && m.text === 'fixed' && m.reactions?.['👍']?.length), 'edit + reaction');
    await alice.recallMessage(conv.id, messageId);
    await until(() => room.messages().find((m) => m.id === messageId && m.recalledAt), 'recall');
    expect(room.messages().filter((m) => m.id === messageId)).toHaveLength(1);
  });

  it('a server refusal surfaces as messageFailed with the server\'s code', async () => {
    const [a, b, c] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob'), await account(file.server.url, 'carol')];
    const carol = track(client(file.server.url, c));
    const alice = track(client(file.server.url, a));
    await alice.connect();
    const conv = await direct(alice, b);
    await carol.connect();
    const failed: string[] = [];
    carol.on('messageFailed', (e) => failed.push(e.error.code));
    const { confirmed } = await carol.sendMessage({ conversationId: conv.id, text: 'let me in' });
    await expect(confirmed).rejects.toMatchObject({ code: expect.stringMatching(/NOT_A_MEMBER|NOT_FOUND|FORBIDDEN/) });
    expect(failed).toHaveLength(1);
  });

  it('history pages merge with the window, 50 at a time, and stay readable offline', async () => {
    const [a, b] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob')];
    const storage = (await import('../src/sdk/index.ts')).memoryStorage();
    const alice = track(client(file.server.url, a, { storage }));
    await alice.connect();
    const conv = await direct(alice, b);
    const last = await Promise.all(Array.from({ length: 260 }, (_, i) => alice.sendMessage({ conversationId: conv.id, text: `m${i}` })));
    await Promise.all(last.map((s) => s.confirmed));
    const room = await alice.openConversation(conv.id);
    // A page asked for at once can land before the document syncs (the newest 50); `ready` waits
    // for the window (the newest 200), so a list placed when it turns true has all of them.
    let shownWhenReady = room.ready ? room.messages().length : undefined;
    room.on('change', () => {
      if (room.ready) shownWhenReady ??= room.messages().length;
    });
    await room.loadOlder();
    await until(() => room.messages().length >= 200, 'the window');
    while (room.hasMore) await room.loadOlder();
    const seqs = room.messages().filter((m) => m.kind !== 'system').map((m) => m.seq);
    expect(shownWhenReady).toBeGreaterThanOrEqual(200);
    expect(seqs).toHaveLength(260);
    expect(new Set(seqs).size).toBe(260);
    expect(seqs).toEqual([...seqs].sort((x, y) => x! - y!));
    await new Promise((r) => setTimeout(r, 700));
    await alice.destroy();

    // A new client on the same storage with no server at all: the history is still there.
    const offline = track(client('http://127.0.0.1:9', a, { storage }));
    await offline.connect();
    const again = await offline.openConversation(conv.id);
    expect(again.ready).toBe(true);
    expect(again.messages().filter((m) => m.kind !== 'system').length).toBe(260);
    await expect(again.loadOlder()).resolves.toMatchObject({ hasMore: false });
  });
});
