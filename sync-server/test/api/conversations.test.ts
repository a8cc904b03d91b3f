import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachStore } from '@parley/schema/db/testing';
import { LIMITS, type AuthResponse, type ConversationDetail, type ConversationSummary } from '@parley/schema';
import { call, seedMessages, signUp, startApi, type ApiServer } from './setup.ts';

const UNKNOWN_ID = '0190aaaa-0000-7000-8000-000000000000';

eachStore('conversations API (create and read)', (getStore, getDatabase) => {
  let api: ApiServer;
  let alice: AuthResponse;
  let bob: AuthResponse;
  let carol: AuthResponse;
  let eve: AuthResponse;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir);
    [alice, bob, carol, eve] = await Promise.all([signUp(api.url, 'alice'), signUp(api.url, 'bob'), signUp(api.url, 'carol'), signUp(api.url, 'eve')]);
  });
  afterAll(() => api.stop());

  const countRows = async (table: 'conversations' | 'members' | 'messages') =>
    Number((await getStore().db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  describe('direct', () => {
    it('creates one with 201: two members, a created system message, inboxes refreshed', async () => {
      const dave = await signUp(api.url, 'dave');
      const answer = await call<{ conversation: ConversationDetail }>(api.url, 'POST', '/conversations', {
        token: dave.token,
        body: { type: 'direct', memberIds: [alice.user.id] },
      });
      expect(answer.status).toBe(201);
      const c = answer.body.conversation;
      expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(c).toMatchObject({ type: 'direct', title: null, status: 'active', role: 'member', memberCount: 2, unreadCount: 0, lastSeq: 1 });
      expect(c.peer).toEqual({ ...alice.user, online: false });
      expect(c.members.map((m) => m.id).sort()).toEqual([alice.user.id, dave.user.id].sort());
      expect(c.lastMessage).toMatchObject({ seq: 1, kind: 'system', senderId: dave.user.id, system: { event: 'created', actorId: dave.user.id } });
      expect(c.lastMessage!.system!.userIds!.sort()).toEqual([alice.user.id, dave.user.id].sort());
      expect(api.refreshed.at(-1)).toEqual({ conversationId: c.id, userIds: [dave.user.id, alice.user.id] });
      // The peer sees it, but nothing unread: system messages inform, they do not wait to be read (rule I1).
      const list = await call<{ items: ConversationSummary[] }>(api.url, 'GET', '/conversations', { token: alice.token });
      expect(list.body.items.find((i) => i.id === c.id)).toMatchObject({ unreadCount: 0, peer: { id: dave.user.id } });
    });

    it('returns the same conversation with 200 when either member asks again', async () => {
      const first = await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [bob.user.id] } });
      expect(first.status).toBe(201);
      const refreshes = api.refreshed.length;
      const again = await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [bob.user.id] } });
      const reverse = await call(api.url, 'POST', '/conversations', { token: bob.token, body: { type: 'direct', memberIds: [alice.user.id, bob.user.id] } });
      expect(again.status).toBe(200);
      expect(reverse.status).toBe(200);
      expect(again.body.conversation.id).toBe(first.body.conversation.id);
      expect(reverse.body.conversation.id).toBe(first.body.conversation.id);
      expect(reverse.body.conversation.peer.id).toBe(alice.user.id);
      expect(api.refreshed.length).toBe(refreshes);
    });

    it('yields one conversation when twelve creations of one pair race', async () => {
      const x = await signUp(api.url, 'x');
      const y = await signUp(api.url, 'y');
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call(api.url, 'POST', '/conversations', {
            token: i % 2 ? x.token : y.token,
            body: { type: 'direct', memberIds: [i % 2 ? y.user.id : x.user.id] },
          }),
        ),
      );
      expect(answers.map((a) => a.status).filter((s) => s === 201)).toHaveLength(1);
      expect(answers.every((a) => a.status === 200 || a.status === 201)).toBe(true);
      expect(new Set(answers.map((a) => a.body.conversation.id)).size).toBe(1);
      const id = answers[0]!.body.conversation.id as string;
      const { db } = getStore();
      expect(await db.selectFrom('members').select('user_id').where('conversation_id', '=', id).execute()).toHaveLength(2);
      expect(await db.selectFrom('messages').select('seq').where('conversation_id', '=', id).execute()).toHaveLength(1);
    });

    it('refuses a conversation with oneself (400), with two others (400) and with an unknown user (404), writing nothing', async () => {
      const before = await Promise.all([countRows('conversations'), countRows('members'), countRows('messages')]);
      const self = await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [alice.user.id] } });
      expect(self.status).toBe(400);
      expect(self.body.error.code).toBe('VALIDATION_FAILED');
      const two = await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [bob.user.id, carol.user.id] } });
      expect(two.status).toBe(400);
      const unknown = await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [UNKNOWN_ID] } });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
      expect(await Promise.all([countRows('conversations'), countRows('members'), countRows('messages')])).toEqual(before);
    });
  });

  describe('group', () => {
    it('creates a group: 201, the creator owns it, everyone is a member, the title keeps emoji and quotes', async () => {
      const title = `🎉 O'Brien's "party"; DROP TABLE conversations;-- 派对`;
      const answer = await call<{ conversation: ConversationDetail }>(api.url, 'POST', '/conversations', {
        token: alice.token,
        body: { type: 'group', title, memberIds: [bob.user.id, carol.user.id, bob.user.id] },
      });
      expect(answer.status).toBe(201);
      const c = answer.body.conversation;
      expect(c).toMatchObject({ type: 'group', title, role: 'owner', memberCount: 3 });
      expect(c.peer).toBeUndefined();
      expect(Object.fromEntries(c.members.map((m) => [m.id, m.role]))).toEqual({ [alice.user.id]: 'owner', [bob.user.id]: 'member', [carol.user.id]: 'member' });
      expect(api.refreshed.at(-1)!.userIds.sort()).toEqual([alice.user.id, bob.user.id, carol.user.id].sort());
      const forBob = await call(api.url, 'GET', `/conversations/${c.id}`, { token: bob.token });
      expect(forBob.body.conversation).toMatchObject({ id: c.id, role: 'member', title });
    });

    it('refuses unknown members with 404 and a group over the size limit with 400, writing nothing', async () => {
      const before = await Promise.all([countRows('conversations'), countRows('members'), countRows('messages')]);
      const unknown = await call(api.url, 'POST', '/conversations', {
        token: alice.token,
        body: { type: 'group', title: 'g', memberIds: [bob.user.id, UNKNOWN_ID] },
      });
      expect(unknown.status).toBe(404);
      const ids = Array.from({ length: LIMITS.groupMaxMembers }, (_, i) => `user-${i}`);
      const tooMany = await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'group', title: 'big', memberIds: ids } });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.code).toBe('VALIDATION_FAILED');
      expect(await Promise.all([countRows('conversations'), countRows('members'), countRows('messages')])).toEqual(before);
    });
  });

  describe('context', () => {
    const listing = { kind: 'listing', ref: 'book:978-0-14-243723-0:"Moby Dick"' };

    it('gets or creates one per (kind, ref, buyer, seller), opened by either party', async () => {
      const body = { context: listing, buyerId: bob.user.id, sellerId: carol.user.id, title: 'Moby Dick, 1st ed.' };
      const first = await call<{ conversation: ConversationDetail }>(api.url, 'POST', '/context-conversations', { token: bob.token, body });
      expect(first.status).toBe(201);
      expect(first.body.conversation).toMatchObject({
        type: 'context',
        title: 'Moby Dick, 1st ed.',
        status: 'active',
        context: { ...listing, buyerId: bob.user.id, sellerId: carol.user.id },
        memberCount: 2,
      });
      const again = await call(api.url, 'POST', '/context-conversations', { token: carol.token, body });
      expect(again.status).toBe(200);
      expect(again.body.conversation.id).toBe(first.body.conversation.id);
      // Another buyer, or another listing, is another conversation.
      const other = await call(api.url, 'POST', '/context-conversations', { token: alice.token, body: { ...body, buyerId: alice.user.id } });
      expect(other.status).toBe(201);
      const otherRef = await call(api.url, 'POST', '/context-conversations', {
        token: bob.token,
        body: { ...body, context: { ...listing, ref: `${listing.ref}:2` } },
      });
      expect(otherRef.status).toBe(201);
      expect(new Set([first, other, otherRef].map((a) => a.body.conversation.id)).size).toBe(3);
    });

    it('is refused to anyone but the buyer and seller (403), and with bad parties (400/404)', async () => {
      const base = { context: listing, buyerId: bob.user.id, sellerId: carol.user.id };
      const outsider = await call(api.url, 'POST', '/context-conversations', { token: eve.token, body: base });
      expect(outsider.status).toBe(403);
      expect(outsider.body.error.code).toBe('FORBIDDEN');
      expect((await call(api.url, 'POST', '/context-conversations', { token: bob.token, body: { ...base, sellerId: bob.user.id } })).status).toBe(400);
      expect((await call(api.url, 'POST', '/context-conversations', { token: bob.token, body: { ...base, sellerId: UNKNOWN_ID } })).status).toBe(404);
      expect((await call(api.url, 'POST', '/context-conversations', { token: bob.token, body: { ...base, expiresAt: Date.now() - 1000 } })).status).toBe(400);
      expect((await call(api.url, 'POST', '/context-conversations', { token: bob.token, body: { ...base, context: { kind: 'Bad Kind', ref: 'x' } } })).status).toBe(400);
    });

    it('reads as expired once expires_at has passed, and the row follows', async () => {
      const created = await call(api.url, 'POST', '/context-conversations', {
        token: eve.token,
        body: { context: { kind: 'order', ref: 'o-1' }, buyerId: eve.user.id, sellerId: alice.user.id, expiresAt: Date.now() + 300 },
      });
      expect(created.status).toBe(201);
      expect(created.body.conversation.status).toBe('active');
      await new Promise((r) => setTimeout(r, 400));
      const list = await call<{ items: ConversationSummary[] }>(api.url, 'GET', '/conversations', { token: eve.token });
      expect(list.body.items.find((c) => c.id === created.body.conversation.id)!.status).toBe('expired');
      const row = await getStore().db.selectFrom('conversations').select('status').where('id', '=', created.body.conversation.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('expired');
    });
  });

  describe('list and detail', () => {
    it('lists current memberships, most recent first, with last message, unread count and online peer', async () => {
      const fred = await signUp(api.url, 'fred');
      const gina = await signUp(api.url, 'gina');
      const hank = await signUp(api.url, 'hank');
      const withGina = (await call(api.url, 'POST', '/conversations', { token: fred.token, body: { type: 'direct', memberIds: [gina.user.id] } })).body.conversation.id;
      const withHank = (await call(api.url, 'POST', '/conversations', { token: fred.token, body: { type: 'direct', memberIds: [hank.user.id] } })).body.conversation.id;
      const group = (await call(api.url, 'POST', '/conversations', { token: gina.token, body: { type: 'group', title: 'g', memberIds: [fred.user.id] } })).body.conversation.id;
      const now = Date.now();
      await seedMessages(getStore(), withHank, hank.user.id, ['h1', 'h2'], { createdAt: now + 10 });
      await seedMessages(getStore(), withGina, gina.user.id, ['g1', 'g2', 'g3'], { createdAt: now + 20 });
      await seedMessages(getStore(), withGina, fred.user.id, ['mine'], { createdAt: now + 30 });
      await getStore().db.updateTable('members').set({ last_read_seq: 2 }).where('conversation_id', '=', withGina).where('user_id', '=', fred.user.id).execute();
      api.online.add(gina.user.id);

      const list = await call<{ items: ConversationSummary[] }>(api.url, 'GET', '/conversations', { token: fred.token });
      api.online.clear();
      expect(list.status).toBe(200);
      expect(list.body.items.map((c) => c.id)).toEqual([withGina, withHank, group]);
      const [g, h, grp] = list.body.items;
      // seq 1 created (fred's own), 2–4 from gina, 5 fred's: read up to 2 → gina's 3 and 4 are unread.
      expect(g).toMatchObject({ unreadCount: 2, lastSeq: 5, lastMessage: { seq: 5, text: 'mine', senderId: fred.user.id, conversationId: withGina }, peer: { id: gina.user.id, online: true } });
      expect(h).toMatchObject({ unreadCount: 2, lastMessage: { text: 'h2' }, peer: { id: hank.user.id, online: false } });
      // Only the group's "created" system message: nothing unread.
      expect(grp).toMatchObject({ type: 'group', unreadCount: 0, memberCount: 2, role: 'member' });

      // A member who left no longer lists it.
      await getStore().db.updateTable('members').set({ left_at: Date.now() }).where('conversation_id', '=', group).where('user_id', '=', fred.user.id).execute();
      const after = await call<{ items: ConversationSummary[] }>(api.url, 'GET', '/conversations', { token: fred.token });
      expect(after.body.items.map((c) => c.id)).toEqual([withGina, withHank]);
      const gone = await call(api.url, 'GET', `/conversations/${group}`, { token: fred.token });
      expect(gone.status).toBe(403);
    });

    it("answers 403 NOT_A_MEMBER for someone else's conversation and 404 for an unknown one", async () => {
      const id = (await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [bob.user.id] } })).body.conversation.id;
      for (const path of [`/conversations/${id}`, `/conversations/${id}/messages`, `/search?q=hello&conversationId=${id}`]) {
        const answer = await call(api.url, 'GET', path, { token: eve.token });
        expect(answer.status, path).toBe(403);
        expect(answer.body.error.code).toBe('NOT_A_MEMBER');
      }
      for (const path of [`/conversations/${UNKNOWN_ID}`, `/conversations/${UNKNOWN_ID}/messages`]) {
        const answer = await call(api.url, 'GET', path, { token: eve.token });
        expect(answer.status, path).toBe(404);
        expect(answer.body.error.code).toBe('NOT_FOUND');
      }
      expect((await call(api.url, 'GET', `/conversations/${id}`)).status).toBe(401);
      const list = await call<{ items: ConversationSummary[] }>(api.url, 'GET', '/conversations', { token: eve.token });
      expect(list.body.items.map((c) => c.id)).not.toContain(id);
    });
  });

  describe('writes go through the command executor', () => {
    it('builds each command with a UUIDv7 id and maps a refusal to its status', async () => {
      const id = (await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'group', title: 'cmd', memberIds: [bob.user.id] } })).body.conversation.id;
      api.executed.length = 0;
      const calls: Array<[string, string, unknown, object]> = [
        ['PATCH', `/conversations/${id}`, { title: ' New ' }, { type: 'rename', title: 'New' }],
        ['PATCH', `/conversations/${id}`, { avatarUrl: '/files/a' }, { type: 'setAvatar', avatarUrl: '/files/a' }],
        ['POST', `/conversations/${id}/members`, { userIds: [carol.user.id, carol.user.id] }, { type: 'addMembers', userIds: [carol.user.id] }],
        ['DELETE', `/conversations/${id}/members/${bob.user.id}`, undefined, { type: 'removeMember', userId: bob.user.id }],
        ['DELETE', `/conversations/${id}/members/${alice.user.id}`, undefined, { type: 'leave' }],
        ['PUT', `/conversations/${id}/members/${bob.user.id}/role`, { role: 'admin' }, { type: 'setRole', userId: bob.user.id, role: 'admin' }],
        ['POST', `/conversations/${id}/leave`, undefined, { type: 'leave' }],
        ['POST', `/conversations/${id}/status`, { status: 'closed' }, { type: 'setStatus', status: 'closed' }],
      ];
      for (const [method, path, body, expected] of calls) {
        const answer = await call(api.url, method, path, { token: alice.token, ...(body === undefined ? {} : { body }) });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body.error.code).toBe('NOT_ALLOWED');
        const last = api.executed.at(-1)!;
        expect(last.actorId).toBe(alice.user.id);
        expect(last.command).toMatchObject({ ...expected, conversationId: id, createdAt: expect.any(Number) });
        expect(last.command.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      }
      expect(api.executed).toHaveLength(calls.length);
    });

    it('refuses bad input before any command runs', async () => {
      api.executed.length = 0;
      const cases: Array<[string, string, unknown]> = [
        ['PATCH', '/conversations/c1', {}],
        ['PATCH', '/conversations/c1', { title: 'ok', avatarUrl: 'javascript:alert(1)' }],
        ['PATCH', '/conversations/c1', { title: 'x'.repeat(LIMITS.titleMaxLength + 1) }],
        ['POST', '/conversations/c1/members', { userIds: [] }],
        ['PUT', '/conversations/c1/members/u1/role', { role: 'owner' }],
        ['POST', '/conversations/c1/status', { status: 'deleted' }],
      ];
      for (const [method, path, body] of cases) {
        const answer = await call(api.url, method, path, { token: alice.token, body });
        expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      }
      expect(api.executed).toHaveLength(0);
    });
  });
});
