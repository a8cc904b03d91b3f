import { expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { userParts, windowMessages, type ConversationSummary, type User } from '@parley/schema';
import { eachServer } from './harness.ts';
import { api, connect, register, waitFor, type SyncClient } from './clients.ts';

/** Issue 11: the outbox and REST refuse the same things, because they share schema's field rules. */
eachServer('one validation for both paths', (server) => {
  async function group(owner: Awaited<ReturnType<typeof register>>, memberIds: string[]) {
    const { status, body } = await api<{ conversation: ConversationSummary }>(server.url, '/conversations', { token: owner.token, body: { type: 'group', title: 'Tea', memberIds } });
    expect(status).toBe(201);
    return body.conversation.id;
  }
  function command(client: SyncClient, entry: Record<string, unknown>) {
    const id = uuidv7();
    userParts(client.user.doc).outbox.push([{ id, createdAt: Date.now(), ...entry }] as never[]);
    return id;
  }
  const resultOf = async (client: SyncClient, id: string) => {
    await waitFor(() => client.results().some((r) => r.id === id), 10_000, `result of ${id}`);
    return client.results().find((r) => r.id === id);
  };

  it('refuses javascript: and data: links in setAvatar, media url and thumbnailUrl, through the outbox as through REST', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await group(alice, [bob.user.id]);
    const a = await connect(server.wsUrl, alice);
    const media = { url: '/files/0123456789abcdef0123456789abcdef', mimeType: 'image/png', size: 10 };
    const refused = [
      command(a, { type: 'setAvatar', conversationId, avatarUrl: 'javascript:alert(1)' }),
      command(a, { type: 'setAvatar', conversationId, avatarUrl: 'data:image/svg+xml,<svg onload=alert(1)>' }),
      command(a, { type: 'send', conversationId, messageId: uuidv7(), kind: 'image', text: '', media: { ...media, url: 'javascript:alert(1)' } }),
      command(a, { type: 'send', conversationId, messageId: uuidv7(), kind: 'image', text: '', media: { ...media, thumbnailUrl: 'data:text/html,<script>alert(1)</script>' } }),
    ];
    for (const id of refused) expect(await resultOf(a, id)).toMatchObject({ status: 'failed', code: 'VALIDATION_FAILED' });
    for (const avatarUrl of ['javascript:alert(1)', 'data:image/png;base64,AAAA', '/api/me']) {
      expect((await api(server.url, `/conversations/${conversationId}`, { method: 'PATCH', token: alice.token, body: { avatarUrl } })).status).toBe(400);
      expect((await api(server.url, '/me', { method: 'PATCH', token: alice.token, body: { avatarUrl } })).status).toBe(400);
    }
    expect(await resultOf(a, command(a, { type: 'setAvatar', conversationId, avatarUrl: 'https://example.org/tea.png' }))).toMatchObject({ status: 'sent' });
    a.destroy();
  });

  it('refuses editing or recalling a system message, even the one a member caused', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await group(alice, [bob.user.id]);
    const a = await connect(server.wsUrl, alice);
    expect(await resultOf(a, command(a, { type: 'rename', conversationId, title: 'Coffee' }))).toMatchObject({ status: 'sent' });
    const { doc } = await a.open(conversationId);
    await waitFor(() => windowMessages(doc).some((m) => m.kind === 'system' && m.senderId === alice.user.id), 10_000, 'the rename notice');
    const notice = windowMessages(doc).find((m) => m.kind === 'system' && m.senderId === alice.user.id)!;
    expect(await resultOf(a, command(a, { type: 'edit', conversationId, messageId: notice.id, text: 'Bob was removed by the admin' }))).toMatchObject({ status: 'failed', code: 'NOT_ALLOWED' });
    expect(await resultOf(a, command(a, { type: 'recall', conversationId, messageId: notice.id }))).toMatchObject({ status: 'failed', code: 'NOT_ALLOWED' });
    a.destroy();
  });

  it('O6: setStatus active on an expired context conversation is refused CONVERSATION_CLOSED, and it stays expired', async () => {
    const [buyer, seller] = [await register(server.url, 'buyer'), await register(server.url, 'seller')];
    const { body } = await api<{ conversation: ConversationSummary }>(server.url, '/context-conversations', {
      token: buyer.token,
      body: { context: { kind: 'listing', ref: 'lamp' }, buyerId: buyer.user.id, sellerId: seller.user.id, expiresAt: Date.now() + 300 },
    });
    const conversationId = body.conversation.id;
    await new Promise((r) => setTimeout(r, 400));
    const b = await connect(server.wsUrl, buyer);
    expect(await resultOf(b, command(b, { type: 'setStatus', conversationId, status: 'active' }))).toMatchObject({ status: 'failed', code: 'CONVERSATION_CLOSED' });
    const rest = await api<{ error: { code: string } }>(server.url, `/conversations/${conversationId}/status`, { token: buyer.token, body: { status: 'active' } });
    expect(rest).toMatchObject({ status: 403, body: { error: { code: 'CONVERSATION_CLOSED' } } });
    expect((await api<{ conversation: ConversationSummary }>(server.url, `/conversations/${conversationId}`, { token: buyer.token })).body.conversation.status).toBe('expired');
    b.destroy();
  });

  it('cleans names the same way on register, profile update, group create and rename (REST and outbox)', async () => {
    const reg = await api<{ user: User }>(server.url, '/auth/register', { body: { username: `n${Date.now().toString(36)}`, password: 'correct horse battery', displayName: '\u202EAli\u200Bce\n' } });
    expect(reg).toMatchObject({ status: 201, body: { user: { displayName: 'Alice' } } });
    for (const displayName of ['\u3164', '\u115F\u2800', '\u200B\u202E', '\u0000']) {
      expect((await api(server.url, '/auth/register', { body: { username: `b${uuidv7().slice(-12)}`, password: 'correct horse battery', displayName } })).status).toBe(400);
    }
    const alice = await register(server.url, 'alice');
    expect(await api<{ user: User }>(server.url, '/me', { method: 'PATCH', token: alice.token, body: { displayName: 'Bo\u0000b\u2066' } })).toMatchObject({ status: 200, body: { user: { displayName: 'Bob' } } });
    expect((await api(server.url, '/me', { method: 'PATCH', token: alice.token, body: { displayName: '\u3164' } })).status).toBe(400);
    expect((await api(server.url, '/conversations', { token: alice.token, body: { type: 'group', title: '\u3164\u3164', memberIds: [] } })).status).toBe(400);
    const conversationId = await group(alice, []);
    const a = await connect(server.wsUrl, alice);
    expect(await resultOf(a, command(a, { type: 'rename', conversationId, title: '\u2800' }))).toMatchObject({ status: 'failed', code: 'VALIDATION_FAILED' });
    expect(await resultOf(a, command(a, { type: 'rename', conversationId, title: 'Tea\u202E time' }))).toMatchObject({ status: 'sent' });
    expect((await api<{ conversation: ConversationSummary }>(server.url, `/conversations/${conversationId}`, { token: alice.token })).body.conversation.title).toBe('Tea time');
    a.destroy();
  });
}, { dialects: ['sqlite'] });
