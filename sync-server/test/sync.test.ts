import { expect, it } from 'vitest';
import { latestByKey, userParts, type ConversationSummary, type HistoryPage, type InboxEntry, type Message } from '@parley/schema';
import { v7 as uuidv7 } from 'uuid';
import { eachServer } from './harness.ts';
import { api, connect, directConversation, register, waitFor } from './clients.ts';

eachServer('sync', (server) => {

  it('O5: two users exchange 1,000 messages; replicas and history agree on one gapless order', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    await a.open(conversationId);
    await b.open(conversationId);

    const sent: string[] = [];
    for (let i = 0; i < 500; i++) {
      sent.push(a.send(conversationId, `a${i}`).messageId);
      sent.push(b.send(conversationId, `b${i} 🎉 '; DROP TABLE messages;--`).messageId);
    }
    await waitFor(() => a.results().length === 500 && b.results().length === 500, 120_000, 'all results');
    expect([...a.results(), ...b.results()].every((r) => r.status === 'sent')).toBe(true);

    // The window holds the newest messages; all of them agree between replicas.
    await waitFor(() => a.messages(conversationId).at(-1)?.seq === 1001 && b.messages(conversationId).at(-1)?.seq === 1001, 30_000, 'replicas');
    expect(b.messages(conversationId)).toEqual(a.messages(conversationId));

    // History pages of 50 cover everything exactly once, in seq order with no gap.
    const all: Message[] = [];
    let before: number | undefined;
    for (;;) {
      const q = before === undefined ? '' : `?before=${before}`;
      const { body } = await api<HistoryPage>(server.url, `/conversations/${conversationId}/messages${q}`, { token: bob.token });
      expect(body.items.length).toBeLessThanOrEqual(50);
      all.unshift(...body.items);
      if (!body.hasMore) break;
      before = body.items[0]!.seq;
    }
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
    const texts = new Set(all.filter((m) => m.kind === 'text').map((m) => m.id));
    expect(texts).toEqual(new Set(sent));
    // Each sender's own messages stay in the order they were written.
    const aliceTexts = all.filter((m) => m.senderId === alice.user.id && m.kind === 'text').map((m) => m.text);
    expect(aliceTexts).toEqual(Array.from({ length: 500 }, (_, i) => `a${i}`));
    // The window in the document is exactly the tail of history.
    const window = a.messages(conversationId);
    expect(window.map((m) => m.id)).toEqual(all.slice(-window.length).map((m) => m.id));

    a.destroy();
    b.destroy();
  });

  it('O4, O8: malformed, unknown, oversized and duplicate commands get coded results and stop nothing', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const outbox = userParts(a.user.doc).outbox as unknown as { push(items: unknown[]): void };
    const now = Date.now();
    const good = { id: 'good-command-1', type: 'send', conversationId, messageId: 'good-message-1', kind: 'text', text: 'hi', createdAt: now };
    outbox.push([
      { id: 'bad-type-0001', type: 'teleport', conversationId, createdAt: now },
      { id: 'too-long-0001', type: 'send', conversationId, messageId: 'too-long-msg-1', kind: 'text', text: 'x'.repeat(8001), createdAt: now },
      { id: 'no-fields-001', type: 'send' },
      'not an object',
      { id: 'other-convo-1', type: 'send', conversationId: 'no-such-conversation', messageId: 'other-convo-m1', kind: 'text', text: 'x', createdAt: now },
      good,
      good,
      { ...good, id: 'good-command-2' },
    ]);
    await waitFor(() => userParts(a.user.doc).outbox.length === 0, 10_000, 'outbox drained');
    const byId = new Map(a.results().map((r) => [r.id, r]));
    expect(byId.get('bad-type-0001')).toMatchObject({ status: 'failed', code: 'UNKNOWN_COMMAND' });
    expect(byId.get('too-long-0001')).toMatchObject({ status: 'failed', code: 'TEXT_TOO_LONG' });
    expect(byId.get('no-fields-001')).toMatchObject({ status: 'failed', code: 'VALIDATION_FAILED' });
    expect(byId.get('other-convo-1')).toMatchObject({ status: 'failed', code: 'NOT_FOUND' });
    const first = byId.get('good-command-1');
    expect(first).toMatchObject({ status: 'sent' });
    // The same message under a new command id (a retry) is the same message.
    expect(byId.get('good-command-2')).toMatchObject({ status: 'sent', seq: (first as { seq: number }).seq });
    const { body } = await api<HistoryPage>(server.url, `/conversations/${conversationId}/messages`, { token: alice.token });
    expect(body.items.filter((m) => m.id === 'good-message-1')).toHaveLength(1);
    a.destroy();
  });

  it('O1: 50 commands written offline and 50 sent meanwhile by the other side all land exactly once', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    await b.open(conversationId);

    a.socket.disconnect();
    await waitFor(() => a.socket.status === 'disconnected', 5_000, 'disconnect');
    const offline = Array.from({ length: 50 }, (_, i) => a.send(conversationId, `offline ${i}`));
    const online = Array.from({ length: 50 }, (_, i) => b.send(conversationId, `online ${i}`));
    await waitFor(() => b.results().length === 50, 30_000, "bob's results");
    expect(a.results()).toHaveLength(0);

    await a.socket.connect();
    // A disconnect() detaches the socket's providers; attach them again (DESIGN.md, "Versions that matter").
    a.user.provider.attach();
    await waitFor(() => a.results().length === 50, 30_000, "alice's results after reconnect");
    expect(userParts(a.user.doc).outbox.length).toBe(0);
    const results = new Map([...a.results(), ...b.results()].map((r) => [r.id, r]));
    for (const c of [...offline, ...online]) expect(results.get(c.id)).toMatchObject({ status: 'sent' });

    const { body } = await api<HistoryPage>(server.url, `/conversations/${conversationId}/messages?limit=200`, { token: bob.token });
    const ids = body.items.filter((m) => m.kind === 'text').map((m) => m.id);
    expect(ids).toHaveLength(100);
    expect(new Set(ids)).toEqual(new Set([...offline, ...online].map((c) => c.messageId)));
    a.destroy();
    b.destroy();
  });

  it('I1: the inbox of every member follows new messages and reads, without opening the conversation', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const inbox = (c: typeof b) => latestByKey(userParts(c.user.doc).inbox);
    const conversationId = await directConversation(server.url, alice, bob);
    await waitFor(() => inbox(b).has(conversationId), 10_000, 'new conversation in bob\'s inbox');

    for (let i = 0; i < 3; i++) a.send(conversationId, `hello ${i}`);
    await waitFor(() => inbox(b).get(conversationId)?.lastMessage?.text === 'hello 2', 10_000, 'last message');
    expect(inbox(b).get(conversationId)).toMatchObject({ unreadCount: 3, lastSeq: 4 } satisfies Partial<InboxEntry>);
    expect(inbox(a).get(conversationId)).toMatchObject({ unreadCount: 0, readSeq: 4 });

    userParts(b.user.doc).outbox.push([{ id: uuidv7(), type: 'read', conversationId, seq: 3, createdAt: Date.now() }]);
    await waitFor(() => inbox(b).get(conversationId)?.unreadCount === 1, 10_000, 'read marker');
    expect(inbox(b).get(conversationId)).toMatchObject({ readSeq: 3 });
    a.destroy();
    b.destroy();
  });

  it('I3: messages arriving one after another move the inbox a few times, and it ends where the index is', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const conversationId = await directConversation(server.url, alice, bob);
    const parts = userParts(b.user.doc);
    const entry = () => latestByKey(parts.inbox).get(conversationId);
    await waitFor(() => entry() !== undefined, 10_000, "new conversation in bob's inbox");
    let moves = 0;
    parts.inbox.observe(() => moves++);
    const sends = 20;
    for (let i = 0; i < sends; i++) {
      a.send(conversationId, `m${i}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await waitFor(() => entry()?.lastMessage?.text === `m${sends - 1}`, 10_000, 'last message');
    const listed = await api<{ items: ConversationSummary[] }>(server.url, '/conversations', { token: bob.token });
    const summary = listed.body.items.find((c) => c.id === conversationId)!;
    expect(entry()).toMatchObject({ unreadCount: summary.unreadCount, lastSeq: summary.lastSeq });
    expect(summary.unreadCount).toBe(sends);
    // One move per message would be 20; a one-second window over half a second of sends takes a handful.
    expect(moves).toBeLessThan(sends / 2);
    a.destroy();
    b.destroy();
  });
});
