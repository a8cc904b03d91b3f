import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { eachStore } from '@parley/schema/db/testing';
import type { AuthResponse, HistoryPage, SearchHit } from '@parley/schema';
import { appendMessage } from '../../src/index/messages.ts';
import { call, seedMessages, signUp, startApi, type ApiServer } from './setup.ts';

eachStore('history and search API', (getStore, getDatabase) => {
  let api: ApiServer;
  let alice: AuthResponse;
  let bob: AuthResponse;
  let eve: AuthResponse;
  let direct: string;
  let group: string;
  let evesOwn: string;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir);
    [alice, bob, eve] = await Promise.all([signUp(api.url, 'alice'), signUp(api.url, 'bob'), signUp(api.url, 'eve')]);
    direct = (await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'direct', memberIds: [bob.user.id] } })).body.conversation.id;
    group = (await call(api.url, 'POST', '/conversations', { token: bob.token, body: { type: 'group', title: '读书会 📚', memberIds: [alice.user.id] } })).body.conversation.id;
    evesOwn = (await call(api.url, 'POST', '/conversations', { token: eve.token, body: { type: 'direct', memberIds: [bob.user.id] } })).body.conversation.id;
  });
  afterAll(() => api.stop());

  it('pages 120 messages 50 at a time: every message exactly once, oldest first within a page', async () => {
    const c = (await call(api.url, 'POST', '/conversations', { token: alice.token, body: { type: 'group', title: 'paging', memberIds: [] } })).body.conversation.id;
    await seedMessages(getStore(), c, alice.user.id, Array.from({ length: 120 }, (_, i) => `message ${i}`));
    const seen: number[] = [];
    const pages: HistoryPage[] = [];
    let before: number | undefined;
    for (;;) {
      const answer = await call<HistoryPage>(api.url, 'GET', `/conversations/${c}/messages${before ? `?before=${before}` : ''}`, { token: alice.token });
      expect(answer.status).toBe(200);
      pages.push(answer.body);
      const seqs = answer.body.items.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      seen.unshift(...seqs);
      if (!answer.body.hasMore) break;
      before = seqs[0];
    }
    // 121: the created event is seq 1.
    expect(pages.map((p) => p.items.length)).toEqual([50, 50, 21]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    expect(seen).toEqual(Array.from({ length: 121 }, (_, i) => i + 1));
    expect(pages[0]!.items.at(-1)).toMatchObject({ seq: 121, text: 'message 119', kind: 'text', senderId: alice.user.id, conversationId: c, version: 1 });
    expect(pages[2]!.items[0]).toMatchObject({ seq: 1, kind: 'system', system: { event: 'created' } });

    const small = await call<HistoryPage>(api.url, 'GET', `/conversations/${c}/messages?before=11&limit=3`, { token: alice.token });
    expect(small.body.items.map((m) => m.seq)).toEqual([8, 9, 10]);
    expect(small.body.hasMore).toBe(true);
    const max = await call<HistoryPage>(api.url, 'GET', `/conversations/${c}/messages?limit=200`, { token: alice.token });
    expect(max.body).toMatchObject({ hasMore: false });
    expect(max.body.items).toHaveLength(121);
    const none = await call<HistoryPage>(api.url, 'GET', `/conversations/${c}/messages?before=1`, { token: alice.token });
    expect(none.body).toEqual({ items: [], hasMore: false });
  });

  it('hides the text of recalled messages and carries reply previews', async () => {
    const [original] = await seedMessages(getStore(), direct, bob.user.id, ['the original']);
    await getStore().db.transaction().execute((trx) =>
      appendMessage(trx, {
        conversation_id: direct, id: uuidv7(), sender_id: alice.user.id, kind: 'text', text: 'a reply', media: null,
        reply_to: original!.id, system: null, created_at: Date.now(),
      }),
    );
    await seedMessages(getStore(), direct, bob.user.id, ['taken back'], { recalled: true });
    const page = await call<HistoryPage>(api.url, 'GET', `/conversations/${direct}/messages?limit=3`, { token: bob.token });
    const [o, reply, recalled] = page.body.items;
    expect(o).toMatchObject({ text: 'the original' });
    expect(reply).toMatchObject({ text: 'a reply', replyTo: { id: original!.id, seq: original!.seq, text: 'the original', senderId: bob.user.id } });
    expect(recalled).toMatchObject({ text: '', recalledAt: expect.any(Number) });
  });

  describe.each(['search'])('%s', () => {
    const texts = {
      emoji: 'party tonight 🎉🎊🎈 bring snacks',
      chinese: '我们明天去图书馆借书吧',
      sql: `Robert'); DROP TABLE messages;-- "quoted" 100% _under_ back\\slash`,
      fts: 'syntax NEAR(a b) OR title:x AND -not +plus *star ^caret',
      mixedCase: 'The Quick Brown Fox',
      short: 'ok 好 go',
    };
    let ids: Record<string, string> = {};

    beforeAll(async () => {
      const base = Date.now();
      const written = await seedMessages(getStore(), direct, alice.user.id, Object.values(texts), { createdAt: base });
      ids = Object.fromEntries(Object.keys(texts).map((k, i) => [k, written[i]!.id]));
      await seedMessages(getStore(), group, bob.user.id, ['group chat about 图书馆 and 🎉🎊'], { createdAt: base + 100 });
      await seedMessages(getStore(), direct, bob.user.id, ['recalled 🎉🎊 secret'], { createdAt: base + 200, recalled: true });
      await seedMessages(getStore(), evesOwn, eve.user.id, ["eve's private 🎉🎊 图书馆 Robert'); DROP"], { createdAt: base + 300 });
    });

    const search = async (q: string, extra = '', token = alice.token) => {
      const answer = await call<{ items: SearchHit[] }>(api.url, 'GET', `/search?q=${encodeURIComponent(q)}${extra}`, { token });
      expect(answer.status, q).toBe(200);
      return answer.body.items;
    };

    it('finds emoji across the caller’s conversations, newest first, with the conversation title; never recalled or others’', async () => {
      const hits = await search('🎉🎊');
      expect(hits.map((h) => h.text)).toEqual(['group chat about 图书馆 and 🎉🎊', texts.emoji]);
      expect(hits[0]).toMatchObject({ conversationId: group, conversationTitle: '读书会 📚', senderId: bob.user.id });
      expect(hits[1]).toMatchObject({ id: ids.emoji, conversationId: direct, conversationTitle: null });
      expect((await search('🎉')).map((h) => h.id)).toContain(ids.emoji);
      // Three code points: answered from the trigram index on SQLite.
      expect((await search('🎉🎊🎈')).map((h) => h.id)).toEqual([ids.emoji]);
      expect((await search('🎊🎈 snacks')).map((h) => h.id)).toEqual([ids.emoji]);
      expect(await search('secret')).toEqual([]);
    });

    it('finds Chinese substrings of three or more characters and of fewer', async () => {
      expect((await search('图书馆')).map((h) => h.text)).toEqual(['group chat about 图书馆 and 🎉🎊', texts.chinese]);
      expect((await search('明天去图书')).map((h) => h.id)).toEqual([ids.chinese]);
      expect((await search('借书')).map((h) => h.id)).toEqual([ids.chinese]);
      expect((await search('好')).map((h) => h.id)).toEqual([ids.short]);
    });

    it('takes SQL and LIKE metacharacters and FTS syntax as plain text', async () => {
      for (const q of [`Robert');`, 'DROP TABLE', '100%', '_under_', 'back\\slash', '"quoted"', `'); DROP`]) {
        expect((await search(q)).map((h) => h.id), q).toEqual([ids.sql]);
      }
      for (const q of ['NEAR(a', 'title:x', '-not', '+plus', '*star', '^caret', 'AND -not']) {
        expect((await search(q)).map((h) => h.id), q).toEqual([ids.fts]);
      }
      for (const q of ['%', '_', '%%%', '"', "'", '*', '"""', "'''", '***', 'NEAR(', '" OR "', "' OR 1=1 --", '\\\\', '!!!', '!%']) {
        const hits = await search(q);
        for (const h of hits) expect(h.text, q).toContain(q);
      }
      expect(await search('%_%')).toEqual([]);
    });

    it('matches every term, ignoring ASCII case, short and long terms mixed', async () => {
      expect((await search('quick fox')).map((h) => h.id)).toEqual([ids.mixedCase]);
      expect((await search('QUICK brown')).map((h) => h.id)).toEqual([ids.mixedCase]);
      expect((await search('the quick')).map((h) => h.id)).toEqual([ids.mixedCase]);
      expect((await search('ok go')).map((h) => h.id)).toEqual([ids.short]);
      expect((await search('quick missing'))).toEqual([]);
      expect((await search('Fo')).map((h) => h.id)).toEqual([ids.mixedCase]);
    });

    it('narrows to one conversation and honours limit', async () => {
      expect((await search('🎉🎊', `&conversationId=${group}`)).map((h) => h.conversationId)).toEqual([group]);
      expect(await search('🎉🎊', '&limit=1')).toHaveLength(1);
      const tooMany = await call(api.url, 'GET', `/search?q=x&limit=101`, { token: alice.token });
      expect(tooMany.status).toBe(400);
    });

    it('lets eve find only her own', async () => {
      expect((await search('🎉🎊', '', eve.token)).map((h) => h.conversationId)).toEqual([evesOwn]);
      expect((await search(`Robert');`, '', eve.token)).map((h) => h.conversationId)).toEqual([evesOwn]);
    });
  });
});
