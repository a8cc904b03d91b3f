import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationParts, epochState, latestByKey, userParts, type ConversationSummary } from '@parley/schema';
import { createTestDatabase, type TestDatabase } from '@parley/schema/db/testing';
import { startTestServer, type TestServer } from './harness.ts';
import * as Y from 'yjs';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { api, connect, directConversation, register, reopenIfStale, synced, waitFor, type SyncClient } from './clients.ts';

/**
 * Two sync-server instances joined through Redis on one MySQL database
 * (DESIGN.md, "Scale"): what one instance writes reaches clients of the other.
 */
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Rule E2 as the SDK applies it, UNAVAILABLE retries included (SDK-A4): a stale copy is dropped and opened anew. */
async function reopen(client: SyncClient, conversationId: string, token: string) {
  for (let attempt = 0; attempt < 50; attempt++) {
    client.conversations.get(conversationId)?.provider.destroy();
    const doc = new Y.Doc();
    const provider = new HocuspocusProvider({ websocketProvider: client.socket, name: `conversation:${conversationId}`, document: doc, token, sessionAwareness: true });
    provider.attach();
    client.conversations.set(conversationId, { doc, provider });
    try {
      await synced(provider);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(!process.env.TEST_MYSQL_URL)('two instances through Redis [mysql]', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    a = await startTestServer({ database, config: { redisUrl, instanceName: 'sync-a' } });
    b = await startTestServer({ database, config: { redisUrl, instanceName: 'sync-b' } });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it('I1, R1: messages, inboxes and presence cross from one instance to the other', async () => {
    const [alice, bob] = [await register(a.url, 'alice'), await register(b.url, 'bob')];
    const conversationId = await directConversation(a.url, alice, bob);
    const onA = await connect(a.wsUrl, alice);
    const seenByBob: Array<Record<string, unknown>> = [];
    const onB = await connect(b.wsUrl, bob, { onStateless: (payload) => seenByBob.push(JSON.parse(payload)) });
    // R1 across instances: bob, on B, is told that alice, on A, is online; A knows bob is.
    await waitFor(() => seenByBob.some((m) => m.type === 'presenceSnapshot'), 10_000, 'snapshot');
    expect(seenByBob.find((m) => m.type === 'presenceSnapshot')).toEqual({ type: 'presenceSnapshot', online: [alice.user.id] });
    await waitFor(() => a.services.presence.isOnline(bob.user.id), 10_000, 'A sees bob online');
    await onA.open(conversationId);
    await onB.open(conversationId);
    const sent = Array.from({ length: 20 }, (_, i) => (i % 2 ? onB : onA).send(conversationId, `m${i}`));
    await waitFor(() => onA.messages(conversationId).length === 21 && onB.messages(conversationId).length === 21, 20_000, 'both replicas');
    expect(onB.messages(conversationId)).toEqual(onA.messages(conversationId));
    expect(onA.messages(conversationId).filter((m) => m.kind === 'text').map((m) => m.id).sort()).toEqual(sent.map((c) => c.messageId).sort());
    // Only alice writes now, through instance A: bob's inbox lives on instance B.
    for (let i = 0; i < 5; i++) onA.send(conversationId, `only alice ${i}`);
    const bobsEntry = () => latestByKey(userParts(onB.user.doc).inbox).get(conversationId);
    await waitFor(() => bobsEntry()?.lastSeq === 26, 10_000, "bob's inbox on the other instance");
    // Unread: alice's messages after bob's own last one (the two instances interleave their seqs).
    await waitFor(() => onB.messages(conversationId).length === 26, 10_000, "bob's replica");
    const messages = onB.messages(conversationId);
    const bobsLast = Math.max(...messages.filter((m) => m.senderId === bob.user.id).map((m) => m.seq));
    const unread = messages.filter((m) => m.seq > bobsLast && m.senderId === alice.user.id && m.kind === 'text').length;
    expect(unread).toBeGreaterThanOrEqual(5);
    expect(bobsEntry()).toMatchObject({ unreadCount: unread, lastMessage: { text: 'only alice 4' } });
    onA.destroy();
    await waitFor(() => seenByBob.some((m) => m.type === 'presence' && m.userId === alice.user.id && m.online === false), 10_000, 'alice offline, seen from B');
    onB.destroy();
  });

  it('O4, O5, O11, O12, O13: many senders on both instances into the same conversations at once, one user on both, a member removed mid-burst', async () => {
    // Six group members, three on each instance; the owner is also connected to the other instance (a second device).
    const users = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve', 'fay'].map((name, i) => register((i < 3 ? a : b).url, name)));
    const [owner] = users;
    const { body } = await api<{ conversation: ConversationSummary }>(a.url, '/conversations', {
      token: owner!.token, body: { type: 'group', title: 'burst', memberIds: users.slice(1).map((u) => u.user.id) },
    });
    const group = body.conversation.id;
    const pair = await directConversation(b.url, users[1]!, users[4]!);
    const clients = await Promise.all(users.map((u, i) => connect((i < 3 ? a : b).wsUrl, u)));
    const ownerOnB = await connect(b.wsUrl, owner!, {});
    const inboxes = [...clients, ownerOnB];
    try {
      await Promise.all(clients.map((c) => c.open(group)));
      const perSender = 25;
      const sent = new Map<string, string[]>();
      const record = (userId: string, messageId: string) => sent.set(userId, [...(sent.get(userId) ?? []), messageId]);
      // The owner's outbox is drained by both instances (its user document lives on both): each command must land once.
      for (let i = 0; i < perSender; i++) {
        for (const [k, c] of clients.entries()) {
          const to = (k === 1 || k === 4) && i % 2 ? pair : group;
          record(`${users[k]!.user.id}:${to}`, c.send(to, `${k}:${i}`).messageId);
        }
      }
      const expected = clients.length * perSender;
      const total = () => clients.reduce((n, c) => n + new Set(c.results().map((r) => r.id)).size, 0);
      await waitFor(() => total() === expected, 60_000, 'every command answered');
      // O4: every command sent, answered alike wherever it was answered, and once. (The owner's outbox is drained
      // by both instances at once, and both may append the same answer to `results` before either sees the other's;
      // once the copies merge, the repeat is dropped.)
      const repeats = () => [...clients, ownerOnB].reduce((n, c) => n + c.results().length - new Set(c.results().map((r) => r.id)).size, 0);
      await waitFor(() => repeats() === 0, 30_000, 'one result per command id in every copy');
      for (const c of [...clients, ownerOnB]) {
        const byId = new Map<string, string>();
        for (const r of c.results()) {
          const answer = JSON.stringify([r.status, r.status === 'sent' ? r.seq : r.code]);
          expect(byId.get(r.id) ?? answer).toBe(answer);
          byId.set(r.id, answer);
        }
      }
      expect(clients.flatMap((c) => c.results()).every((r) => r.status === 'sent')).toBe(true);
      const { db } = a.services.store;
      for (const id of [group, pair]) {
        const rows = await db.selectFrom('messages').select(['id', 'seq', 'sender_id']).where('conversation_id', '=', id).where('kind', '=', 'text').orderBy('seq').execute();
        const all = await db.selectFrom('messages').select('seq').where('conversation_id', '=', id).orderBy('seq').execute();
        // O5: seqs 1..n, no gap, no repeat.
        expect(all.map((r) => Number(r.seq))).toEqual(all.map((_, i) => i + 1));
        // O11: each sender's messages in the order they were written.
        for (const [key, ids] of sent) {
          const [userId, to] = key.split(':');
          if (to !== id) continue;
          expect(rows.filter((r) => r.sender_id === userId).map((r) => r.id)).toEqual(ids);
        }
        const { last_seq } = await db.selectFrom('conversations').select('last_seq').where('id', '=', id).executeTakeFirstOrThrow();
        expect(Number(last_seq)).toBe(all.length);
      }
      // I2 across instances: every member's inbox, on both instances, reaches the group's last seq.
      const lastSeq = Number((await db.selectFrom('conversations').select('last_seq').where('id', '=', group).executeTakeFirstOrThrow()).last_seq);
      await waitFor(() => inboxes.every((c) => latestByKey(userParts(c.user.doc).inbox).get(group)?.lastSeq === lastSeq), 20_000, 'every inbox at the last seq');
      // Replicas on both instances hold the same window, each message once.
      await waitFor(() => clients.every((c) => c.messages(group).at(-1)?.seq === lastSeq), 20_000, 'every replica at the last seq');
      for (const c of clients) {
        const raw = conversationParts(c.conversations.get(group)!.doc).messages.toArray().map((m) => m.id);
        expect(new Set(raw).size).toBe(raw.length);
      }

      // O13: fay (on B, facts cached there) is removed through A; her next send on B is refused, whatever B's cache held.
      const fay = clients[5]!;
      const removal = { id: crypto.randomUUID(), type: 'removeMember' as const, conversationId: group, userId: users[5]!.user.id, createdAt: Date.now() };
      userParts(clients[0]!.user.doc).outbox.push([removal]);
      await waitFor(() => clients[0]!.results().some((r) => r.id === removal.id), 10_000, 'removal answered');
      expect(clients[0]!.results().find((r) => r.id === removal.id)).toMatchObject({ status: 'sent' });
      const late = fay.send(group, 'after removal');
      await waitFor(() => fay.results().some((r) => r.id === late.id), 10_000, 'late send answered');
      expect(fay.results().find((r) => r.id === late.id)).toMatchObject({ status: 'failed', code: 'NOT_A_MEMBER' });
      expect(await db.selectFrom('messages').select('id').where('id', '=', late.messageId).executeTakeFirst()).toBeUndefined();
    } finally {
      for (const c of inboxes) c.destroy();
    }
  }, 120_000);

  /** Rounds of the one-builder test: PARLEY_CLUSTER_ROUNDS (50 for the full run), 5 in `npm test`. */
  const rounds = Number(process.env.PARLEY_CLUSTER_ROUNDS ?? 5);

  it(`E1, E2: four members opening a new group on two instances at once get one build, ${rounds} times in a row`, async () => {
    const users = [await register(a.url, 'ann'), await register(a.url, 'ben'), await register(b.url, 'cat'), await register(b.url, 'dan')];
    // Two members on each instance.
    const clients: SyncClient[] = [];
    for (const [i, user] of users.entries()) clients.push(await connect((i < 2 ? a : b).wsUrl, user));
    const failures: string[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const { body } = await api<{ conversation: ConversationSummary }>(a.url, '/conversations', {
          token: users[0]!.token,
          body: { type: 'group', title: `round ${round}`, memberIds: users.slice(1).map((u) => u.user.id) },
        });
        const id = body.conversation.id;
        await Promise.all(clients.map((c) => c.open(id)));
        const reloads = clients.map(() => 0);
        const sent = clients[round % 4]!.send(id, `hello ${round}`);
        // Every member holds the creation message and the new one, each once, in one epoch.
        const settled = () =>
          clients.every((c, i) => {
            if (epochState(c.conversations.get(id)!.doc).stale) {
              reloads[i]!++;
              void reopenIfStale(c, id, users[i]!.token);
              return false;
            }
            const ids = c.messages(id).map((m) => m.id);
            return ids.includes(sent.messageId) && ids.length === 2;
          });
        await waitFor(settled, 20_000, `round ${round}: every member holds both messages`).catch((error: Error) => failures.push(error.message));
        for (const [i, c] of clients.entries()) {
          const raw = conversationParts(c.conversations.get(id)!.doc).messages.toArray().map((m) => m.id);
          if (new Set(raw).size !== raw.length) failures.push(`round ${round}: member ${i} holds a message twice (${raw.length} entries)`);
          if (reloads[i]! > 1) failures.push(`round ${round}: member ${i} reloaded ${reloads[i]} times`);
        }
        for (const c of clients) {
          c.conversations.get(id)!.provider.destroy();
          c.conversations.delete(id);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      for (const c of clients) c.destroy();
    }
  }, 60_000 + rounds * 10_000);

  /** Ann on A holds a conversation with Ben whose stored state is then lost: B, opening it, must build a new epoch. */
  async function olderEpochOnA() {
    const [ann, ben] = [await register(a.url, 'ann'), await register(b.url, 'ben')];
    const id = await directConversation(a.url, ann, ben);
    const onA = await connect(a.wsUrl, ann);
    await onA.open(id);
    onA.send(id, 'before');
    await waitFor(() => onA.messages(id).length === 2, 10_000, 'the first message on A');
    const { db } = a.services.store;
    await db.deleteFrom('document_updates').where('name', '=', `conversation:${id}`).execute();
    await db.deleteFrom('documents').where('name', '=', `conversation:${id}`).execute();
    return { ann, ben, id, onA };
  }

  it('E2: an instance holding an older epoch drops it at once when another instance builds a newer one', async () => {
    const { ann, ben, id, onA } = await olderEpochOnA();
    const onB = await connect(b.wsUrl, ben);
    const reloads = { a: 0, b: 0 };
    const openB = onB.open(id).catch(() => undefined);
    const settled = () => {
      for (const [key, c, token] of [['a', onA, ann.token], ['b', onB, ben.token]] as const) {
        const doc = c.conversations.get(id)?.doc;
        if (doc && epochState(doc).stale) {
          reloads[key]++;
          void reopen(c, id, token);
        }
      }
      return [onA, onB].every((c) => {
        const doc = c.conversations.get(id)?.doc;
        return doc && c.conversations.get(id)!.provider.isSynced && !epochState(doc).stale && c.messages(id).length === 2;
      });
    };
    await openB;
    try {
      await waitFor(settled, 15_000, 'both members on one epoch');
      // Settled for good: nothing merges the older copy back in.
      await new Promise((r) => setTimeout(r, 1000));
      expect(settled()).toBe(true);
      expect(reloads.a).toBeLessThanOrEqual(2);
      expect(reloads.b).toBeLessThanOrEqual(2);
      const epochs = [onA, onB].map((c) => epochState(c.conversations.get(id)!.doc).epoch);
      expect(epochs[0]).toBe(epochs[1]);
      for (const c of [onA, onB]) {
        const raw = conversationParts(c.conversations.get(id)!.doc).messages.toArray().map((m) => m.id);
        expect(new Set(raw).size).toBe(raw.length);
      }
    } finally {
      onA.destroy();
      onB.destroy();
    }
  });

  it('E2 under load: commands that keep coming on the dropping instance do not keep its stale copy open', async () => {
    const { ann, ben, id, onA } = await olderEpochOnA();
    // Ann keeps sending through A, whose commands hold and project into the conversation the whole time.
    const sent: Array<{ messageId: string; at: number }> = [];
    const sender = setInterval(() => sent.push({ ...onA.send(id, `during ${sent.length}`), at: Date.now() }), 100);
    const onB = await connect(b.wsUrl, ben);
    try {
      await onB.open(id).catch(() => undefined);
      const has = (c: SyncClient, ids: string[]) => {
        const seen = new Set(c.messages(id).map((m) => m.id));
        return ids.every((m) => seen.has(m));
      };
      const current = (c: SyncClient) => {
        const entry = c.conversations.get(id);
        return !!entry && entry.provider.isSynced && !epochState(entry.doc).stale;
      };
      // Both replicas on one epoch and following the sends, while they still come.
      await waitFor(() => {
        for (const [c, token] of [[onA, ann.token], [onB, ben.token]] as const) {
          const entry = c.conversations.get(id);
          if (entry && epochState(entry.doc).stale) void reopen(c, id, token);
        }
        const older = sent.filter((m) => m.at < Date.now() - 1500).map((m) => m.messageId);
        return older.length > 0 && current(onA) && current(onB) && has(onA, older) && has(onB, older);
      }, 12_000, 'both replicas current while the sends go on');
      clearInterval(sender);
      const all = sent.map((m) => m.messageId);
      await waitFor(() => has(onA, all) && has(onB, all), 10_000, 'every send on both replicas');
    } finally {
      clearInterval(sender);
      onA.destroy();
      onB.destroy();
    }
  });
});
