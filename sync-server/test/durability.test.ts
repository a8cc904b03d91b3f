import { describe, expect, it } from 'vitest';
import { conversationParts, epochState, windowMessages, type AuthResponse, type HistoryPage, type Message } from '@parley/schema';
import { testDialects } from '@parley/schema/db/testing';
import { openStore } from '@parley/schema/db';
import { childServerPerTest } from './restarts.ts';
import { api, connect, reopenIfStale, waitFor, type SyncClient } from './clients.ts';

/**
 * P1–P3, E1–E3 against the real process: stores, SIGTERM and SIGKILL in the
 * middle of a burst, and clients that stay connected through the restart.
 */

async function history(url: string, token: string, conversationId: string): Promise<Message[]> {
  const { body } = await api<HistoryPage>(url, `/conversations/${conversationId}/messages?limit=200`, { token });
  let items = body.items;
  let hasMore = body.hasMore;
  while (hasMore) {
    const page = await api<HistoryPage>(url, `/conversations/${conversationId}/messages?limit=200&before=${items[0]!.seq}`, { token });
    items = [...page.body.items, ...items];
    hasMore = page.body.hasMore;
  }
  return items;
}

/** What a client holds, raw: every entry of the messages array, duplicates included. */
const rawIds = (client: SyncClient, conversationId: string) =>
  conversationParts(client.conversations.get(conversationId)!.doc).messages.toArray().map((m) => `${m.id}@${m.v}`).sort();

for (const dialect of testDialects()) {
  describe(`durability [${dialect}]`, () => {
    const server = childServerPerTest(dialect);
    const clients = server.clients;

    async function setup(env: Record<string, string> = {}) {
      const { port, alice, bob, conversationId } = await server.start(env);
      const a = await connect(server.child.wsUrl, alice);
      const b = await connect(server.child.wsUrl, bob);
      clients.push(a, b);
      await a.open(conversationId);
      await b.open(conversationId);
      return { port, alice, bob, conversationId, a, b, env };
    }

    async function restart(port: number, env: Record<string, string>) {
      await server.restart(port, env);
    }

    /** Waits until every command has a result and both replicas match a fresh one exactly. */
    async function converge(ids: string[], a: SyncClient, b: SyncClient, alice: AuthResponse, conversationId: string) {
      await waitFor(() => {
        void reopenIfStale(a, conversationId, alice.token);
        void reopenIfStale(b, conversationId, alice.token);
        const done = new Set(a.results().map((r) => r.id));
        return ids.every((id) => done.has(id));
      }, 60_000, 'every command answered');
      const fresh = await connect(server.child.wsUrl, alice);
      clients.push(fresh);
      await fresh.open(conversationId);
      const epoch = epochState(fresh.conversations.get(conversationId)!.doc).epoch;
      // Until a replica has synced with the restarted server it cannot hold its epoch.
      await waitFor(() => {
        for (const c of [a, b]) void reopenIfStale(c, conversationId, alice.token);
        const expected = JSON.stringify(rawIds(fresh, conversationId));
        return [a, b].every((c) => {
          const doc = c.conversations.get(conversationId)?.doc;
          return doc && epochState(doc).epoch === epoch && !epochState(doc).stale && JSON.stringify(rawIds(c, conversationId)) === expected;
        });
      }, 30_000, 'replicas equal to the server');
      for (const c of [a, b, fresh]) {
        const doc = c.conversations.get(conversationId)!.doc;
        expect(epochState(doc).stale).toBe(false);
        const ids = windowMessages(doc).map((m) => m.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
      return fresh;
    }

    it('P1: kill -9 after the stores completed loses nothing', async () => {
      const s = await setup({ PARLEY_STORE_DEBOUNCE_MS: '100' });
      const sent = Array.from({ length: 100 }, (_, i) => s.a.send(s.conversationId, `m${i}`));
      await waitFor(() => s.a.results().length === 100, 30_000, 'results');
      await new Promise((r) => setTimeout(r, 1500));
      await server.child.kill('SIGKILL');
      await restart(s.port, s.env);
      const items = await history(server.child.url, s.bob.token, s.conversationId);
      expect(items.filter((m) => m.kind === 'text').map((m) => m.id)).toEqual(sent.map((c) => c.messageId));
      await converge(sent.map((c) => c.id), s.a, s.b, s.alice, s.conversationId);
    });

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`P2, E3: ${signal} in the middle of a burst loses nothing acknowledged and leaves every replica equal to the server`, async () => {
        const s = await setup({ PARLEY_STORE_DEBOUNCE_MS: '5000' });
        const sent = Array.from({ length: 400 }, (_, i) => (i % 2 ? s.b : s.a).send(s.conversationId, `burst ${i}`));
        await waitFor(() => s.a.results().length + s.b.results().length >= 60, 30_000, 'part of the burst');
        const acknowledged = [...s.a.results(), ...s.b.results()].filter((r) => r.status === 'sent').map((r) => r.id);
        const epochBefore = epochState(s.a.conversations.get(s.conversationId)!.doc).epoch;
        const code = await server.child.kill(signal);
        if (signal === 'SIGTERM') expect(code).toBe(0);
        await restart(s.port, s.env);

        const fresh = await converge(sent.filter((_, i) => i % 2 === 0).map((c) => c.id), s.a, s.b, s.alice, s.conversationId);
        await waitFor(() => new Set(s.b.results().map((r) => r.id)).size >= 200, 30_000, "bob's results");
        const items = await history(server.child.url, s.bob.token, s.conversationId);
        const texts = items.filter((m) => m.kind === 'text').map((m) => m.id);
        expect(new Set(texts).size).toBe(texts.length);
        expect(new Set(texts)).toEqual(new Set(sent.map((c) => c.messageId)));
        expect(items.map((m) => m.seq)).toEqual(Array.from({ length: items.length }, (_, i) => i + 1));
        const results = new Map([...s.a.results(), ...s.b.results()].map((r) => [r.id, r]));
        for (const id of acknowledged) expect(results.get(id)?.status).toBe('sent');
        expect(windowMessages(fresh.conversations.get(s.conversationId)!.doc).at(-1)?.seq).toBe(items.at(-1)!.seq);
        // A clean stop answers the commands in flight and stores every document: nothing to cut over.
        if (signal === 'SIGTERM') expect(epochState(fresh.conversations.get(s.conversationId)!.doc).epoch).toBe(epochBefore);
      });
    }

    it('E1, E2: after the server lost document state that clients had, it cuts over to a new epoch and connected clients converge', async () => {
      const s = await setup({ PARLEY_STORE_DEBOUNCE_MS: '100' });
      const first = Array.from({ length: 30 }, (_, i) => s.a.send(s.conversationId, `before ${i}`));
      await waitFor(() => s.a.results().length === 30 && s.b.messages(s.conversationId).length === 31, 30_000, 'first batch');
      await server.child.kill('SIGKILL');
      // The index keeps the messages; the documents' stored state is gone.
      const store = await openStore({ databaseUrl: server.database.databaseUrl, dataDir: server.database.dataDir });
      const before = await store.db.selectFrom('conversations').select('epoch').where('id', '=', s.conversationId).executeTakeFirstOrThrow();
      await store.db.deleteFrom('document_updates').execute();
      await store.db.deleteFrom('documents').where('name', 'like', 'conversation:%').execute();
      await store.close();
      await restart(s.port, s.env);

      const second = Array.from({ length: 10 }, (_, i) => s.b.send(s.conversationId, `after ${i}`));
      const fresh = await converge(first.map((c) => c.id), s.a, s.b, s.alice, s.conversationId);
      await waitFor(() => s.b.results().length === 10, 30_000, 'second batch');
      await waitFor(() => s.a.messages(s.conversationId).length === 41, 30_000, 'second batch visible');
      const doc = fresh.conversations.get(s.conversationId)!.doc;
      expect(epochState(doc).epoch).toBeGreaterThan(Number(before.epoch));
      expect(s.a.messages(s.conversationId).map((m) => m.id)).toEqual(windowMessages(doc).map((m) => m.id));
      expect(s.a.messages(s.conversationId).filter((m) => m.kind === 'text').map((m) => m.id)).toEqual(
        [...first, ...second].map((c) => c.messageId),
      );
    });
  });
}
