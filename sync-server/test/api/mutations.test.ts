import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { testDialects } from '@parley/schema/db/testing';
import type { AuthResponse, ConversationDetail, ConversationSummary, HistoryPage, SearchHit } from '@parley/schema';
import { startTestServer, type TestServer } from '../harness.ts';
import { call, signUp } from './setup.ts';

/**
 * The conversation writes of the REST API against the whole server: the real
 * command executor decides who may do what, and the answers and the index show it.
 */
for (const dialect of testDialects()) {
  describe(`conversation writes over REST [${dialect}]`, () => {
    let server: TestServer;
    let alice: AuthResponse;
    let bob: AuthResponse;
    let carol: AuthResponse;
    let eve: AuthResponse;
    let group: string;
    beforeAll(async () => {
      server = await startTestServer({ dialect });
      [alice, bob, carol, eve] = await Promise.all([signUp(server.url, 'alice'), signUp(server.url, 'bob'), signUp(server.url, 'carol'), signUp(server.url, 'eve')]);
      const created = await call<{ conversation: ConversationDetail }>(server.url, 'POST', '/conversations', {
        token: alice.token,
        body: { type: 'group', title: 'Book club 📚', memberIds: [bob.user.id] },
      });
      expect(created.status).toBe(201);
      group = created.body.conversation.id;
    });
    afterAll(async () => {
      await server?.stop();
    });

    const detail = (token: string, id = group) => call<{ conversation: ConversationDetail; error: { code: string } }>(server.url, 'GET', `/conversations/${id}`, { token });
    const roles = (c: ConversationDetail) => Object.fromEntries(c.members.map((m) => [m.id, m.role]));
    const lastEvent = async (token: string, id = group) => {
      const page = await call<HistoryPage>(server.url, 'GET', `/conversations/${id}/messages?limit=1`, { token });
      return page.body.items[0]?.system;
    };

    it('shows a new group to its members, in their lists and in detail', async () => {
      const list = await call<{ items: ConversationSummary[] }>(server.url, 'GET', '/conversations', { token: bob.token });
      expect(list.body.items.find((c) => c.id === group)).toMatchObject({ type: 'group', title: 'Book club 📚', role: 'member', memberCount: 2, unreadCount: 0 });
      expect(roles((await detail(bob.token)).body.conversation)).toEqual({ [alice.user.id]: 'owner', [bob.user.id]: 'member' });
      expect((await detail(carol.token)).status).toBe(403);
    });

    it('renames and sets the avatar (owner): 200 with the fresh detail and a system message', async () => {
      const renamed = await call<{ conversation: ConversationDetail }>(server.url, 'PATCH', `/conversations/${group}`, {
        token: alice.token,
        body: { title: `Bücher & "Tee" 🍵 '; --`, avatarUrl: '/files/avatar-1' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body.conversation).toMatchObject({ title: `Bücher & "Tee" 🍵 '; --`, avatarUrl: '/files/avatar-1' });
      expect((await detail(bob.token)).body.conversation.title).toBe(`Bücher & "Tee" 🍵 '; --`);
      expect(await lastEvent(bob.token)).toMatchObject({ event: 'avatarChanged', actorId: alice.user.id });
    });

    it('refuses a member who is not an admin (403 NOT_ALLOWED) and a stranger (403 NOT_A_MEMBER), changing nothing', async () => {
      const byMember = await call(server.url, 'PATCH', `/conversations/${group}`, { token: bob.token, body: { title: 'mine now' } });
      expect(byMember.status).toBe(403);
      expect(byMember.body.error.code).toBe('NOT_ALLOWED');
      const byStranger = await call(server.url, 'POST', `/conversations/${group}/members`, { token: eve.token, body: { userIds: [eve.user.id] } });
      expect(byStranger.status).toBe(403);
      expect(byStranger.body.error.code).toBe('NOT_A_MEMBER');
      const unknown = await call(server.url, 'POST', `/conversations/${uuidv7()}/leave`, { token: eve.token });
      expect(unknown.status).toBe(404);
      const detailNow = (await detail(alice.token)).body.conversation;
      expect(detailNow.title).not.toBe('mine now');
      expect(detailNow.memberCount).toBe(2);
    });

    it('adds members: they see the group; unknown users are 404', async () => {
      const added = await call<{ conversation: ConversationDetail }>(server.url, 'POST', `/conversations/${group}/members`, {
        token: alice.token,
        body: { userIds: [carol.user.id] },
      });
      expect(added.status).toBe(200);
      expect(added.body.conversation.memberCount).toBe(3);
      expect(await lastEvent(carol.token)).toMatchObject({ event: 'membersAdded', userIds: [carol.user.id] });
      const carolsList = await call<{ items: ConversationSummary[] }>(server.url, 'GET', '/conversations', { token: carol.token });
      expect(carolsList.body.items.map((c) => c.id)).toContain(group);
      const unknown = await call(server.url, 'POST', `/conversations/${group}/members`, { token: alice.token, body: { userIds: [uuidv7()] } });
      expect(unknown.status).toBe(404);
    });

    it('sets roles (owner only); an admin may then rename and remove members', async () => {
      const promoted = await call<{ conversation: ConversationDetail }>(server.url, 'PUT', `/conversations/${group}/members/${bob.user.id}/role`, {
        token: alice.token,
        body: { role: 'admin' },
      });
      expect(promoted.status).toBe(200);
      expect(roles(promoted.body.conversation)[bob.user.id]).toBe('admin');
      const byAdmin = await call(server.url, 'PUT', `/conversations/${group}/members/${carol.user.id}/role`, { token: bob.token, body: { role: 'admin' } });
      expect(byAdmin.status).toBe(403);
      expect((await call(server.url, 'PATCH', `/conversations/${group}`, { token: bob.token, body: { title: 'Renamed by an admin' } })).status).toBe(200);

      const removed = await call<{ conversation: ConversationDetail }>(server.url, 'DELETE', `/conversations/${group}/members/${carol.user.id}`, { token: bob.token });
      expect(removed.status).toBe(200);
      expect(removed.body.conversation.members.map((m) => m.id)).not.toContain(carol.user.id);
      expect((await detail(carol.token)).body.error.code).toBe('NOT_A_MEMBER');
      expect((await call(server.url, 'GET', `/conversations/${group}/messages`, { token: carol.token })).status).toBe(403);
      const carolsList = await call<{ items: ConversationSummary[] }>(server.url, 'GET', '/conversations', { token: carol.token });
      expect(carolsList.body.items.map((c) => c.id)).not.toContain(group);
      // Removing someone who is not a member.
      expect((await call(server.url, 'DELETE', `/conversations/${group}/members/${carol.user.id}`, { token: alice.token })).status).toBe(404);
    });

    it('leaves with POST /leave or by deleting oneself (204); ownership passes on', async () => {
      const g = (await call(server.url, 'POST', '/conversations', { token: alice.token, body: { type: 'group', title: 'leavers', memberIds: [bob.user.id, carol.user.id] } })).body.conversation.id;
      expect((await call(server.url, 'POST', `/conversations/${g}/leave`, { token: carol.token })).status).toBe(204);
      expect((await detail(carol.token, g)).status).toBe(403);
      expect((await call(server.url, 'DELETE', `/conversations/${g}/members/${alice.user.id}`, { token: alice.token })).status).toBe(204);
      const left = (await detail(bob.token, g)).body.conversation;
      expect(roles(left)).toEqual({ [bob.user.id]: 'owner' });
      expect(await lastEvent(bob.token, g)).toMatchObject({ event: 'memberLeft', userIds: [alice.user.id] });
    });

    it('refuses group-only changes on a direct conversation', async () => {
      const d = (await call(server.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [eve.user.id] } })).body.conversation.id;
      const rename = await call(server.url, 'PATCH', `/conversations/${d}`, { token: alice.token, body: { title: 'x' } });
      expect(rename.status).toBe(403);
      expect(rename.body.error.code).toBe('NOT_ALLOWED');
      expect((await call(server.url, 'POST', `/conversations/${d}/leave`, { token: alice.token })).status).toBe(403);
    });

    it('closes a context conversation through /status; a group has no status', async () => {
      const ctx = await call<{ conversation: ConversationDetail }>(server.url, 'POST', '/context-conversations', {
        token: eve.token,
        body: { context: { kind: 'listing', ref: 'book-42' }, buyerId: eve.user.id, sellerId: alice.user.id },
      });
      expect(ctx.status).toBe(201);
      const closed = await call<{ conversation: ConversationDetail }>(server.url, 'POST', `/conversations/${ctx.body.conversation.id}/status`, {
        token: alice.token,
        body: { status: 'closed' },
      });
      expect(closed.status).toBe(200);
      expect(closed.body.conversation.status).toBe('closed');
      const list = await call<{ items: ConversationSummary[] }>(server.url, 'GET', '/conversations', { token: eve.token });
      expect(list.body.items.find((c) => c.id === ctx.body.conversation.id)!.status).toBe('closed');
      expect((await call(server.url, 'POST', `/conversations/${group}/status`, { token: alice.token, body: { status: 'closed' } })).status).toBe(403);
    });

    it('lists, pages and finds what the executor wrote', async () => {
      const d = (await call(server.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [bob.user.id] } })).body.conversation.id;
      for (const text of ['first 🐳', 'second 第二条', `third '); --`]) {
        const result = await server.services.commands.execute(alice.user.id, {
          id: uuidv7(), type: 'send', conversationId: d, messageId: uuidv7(), kind: 'text', text, createdAt: Date.now(),
        });
        expect(result.status).toBe('sent');
      }
      const list = await call<{ items: ConversationSummary[] }>(server.url, 'GET', '/conversations', { token: bob.token });
      expect(list.body.items[0]).toMatchObject({ id: d, unreadCount: 3, lastMessage: { text: `third '); --`, senderId: alice.user.id } });
      const page = await call<HistoryPage>(server.url, 'GET', `/conversations/${d}/messages?limit=2`, { token: bob.token });
      expect(page.body.items.map((m) => m.text)).toEqual(['second 第二条', `third '); --`]);
      expect(page.body.hasMore).toBe(true);
      const hits = await call<{ items: SearchHit[] }>(server.url, 'GET', `/search?q=${encodeURIComponent('第二条')}`, { token: bob.token });
      expect(hits.body.items.map((h) => h.conversationId)).toEqual([d]);
      // Bob reads; his unread count follows.
      await server.services.commands.execute(bob.user.id, { id: uuidv7(), type: 'read', conversationId: d, seq: 3, createdAt: Date.now() });
      const after = await call<{ items: ConversationSummary[] }>(server.url, 'GET', '/conversations', { token: bob.token });
      expect(after.body.items.find((c) => c.id === d)!.unreadCount).toBe(1);
    });
  });
}
