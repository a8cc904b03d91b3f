import { describe, expect, it } from 'vitest';
import { keyValue, latestByKey, userParts, type AuthResponse } from '@parley/schema';
import { testDialects } from '@parley/schema/db/testing';
import { childServerPerTest } from './restarts.ts';
import { connect, waitFor, type SyncClient } from './clients.ts';

/**
 * P4 and O4 against the real process killed with SIGKILL: a user document's
 * updates (the server's answers and the client's drafts) are logged as they are
 * applied, not only stored on the debounce, so what a client saw answered is
 * still answered after a restart, and answered once.
 */

/** How many results each command id has in a user document. */
function resultCounts(client: SyncClient): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of client.results()) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  return counts;
}

for (const dialect of testDialects()) {
  describe(`user document durability [${dialect}]`, () => {
    const server = childServerPerTest(dialect);
    const clients = server.clients;

    // A paced outbox (O10) and a slow debounce: a snapshot taken mid-backlog holds commands answered after it.
    const env = { PARLEY_STORE_DEBOUNCE_MS: '1000', PARLEY_COMMAND_RATE: '20', PARLEY_COMMAND_BURST: '1' };

    const setup = () => server.start(env);

    async function killAndRestart(port: number) {
      await server.child.kill('SIGKILL');
      await server.restart(port, env);
    }

    async function fresh(auth: AuthResponse) {
      const c = await connect(server.child.wsUrl, auth);
      clients.push(c);
      return c;
    }

    it('P4, O4: kill -9 right after results appear; the client that stays connected ends with one result per command', async () => {
      const s = await setup();
      const a = await fresh(s.alice);
      const sent = Array.from({ length: 160 }, (_, i) => a.send(s.conversationId, `m${i}`));
      // Past the first store (at most 5 s with a 1 s debounce), while the backlog is still being answered.
      await waitFor(() => a.results().length >= 120, 30_000, 'most of the backlog answered');
      await killAndRestart(s.port);

      await waitFor(() => resultCounts(a).size === sent.length, 60_000, 'every command answered');
      // Anything answered twice would be in by now: the outbox is empty.
      await waitFor(() => userParts(a.user.doc).outbox.length === 0, 10_000, 'outbox drained');
      await new Promise((r) => setTimeout(r, 300));
      const twice = [...resultCounts(a)].filter(([, n]) => n > 1);
      expect(twice).toEqual([]);
      const again = await fresh(s.alice);
      expect([...resultCounts(again)].filter(([, n]) => n > 1)).toEqual([]);
      expect(new Set(resultCounts(again).keys())).toEqual(new Set(sent.map((c) => c.id)));
    });

    it('P4: a draft and the results seen just before a kill -9 are there after the restart, with no client to send them again', async () => {
      const s = await setup();
      const a = await fresh(s.alice);
      const sent = Array.from({ length: 5 }, (_, i) => a.send(s.conversationId, `m${i}`));
      await waitFor(() => a.results().length >= 3, 30_000, 'results');
      keyValue(userParts(a.user.doc).drafts).set(s.conversationId, { text: 'half a thought', updatedAt: Date.now() });
      // The next answer travelled on the socket after the draft: the server has the draft by then.
      const seen = a.results().length;
      await waitFor(() => a.results().length > seen, 10_000, 'an answer after the draft');
      const answered = a.results().map((r) => r.id);
      // Killed with the client still connected (a last disconnect would store the document at once);
      // the client goes before the restart, so nothing can come back from its copy.
      await server.child.kill('SIGKILL');
      a.destroy();
      clients.splice(clients.indexOf(a), 1);
      await server.restart(s.port, env);

      const b = await fresh(s.alice);
      expect(latestByKey(userParts(b.user.doc).drafts).get(s.conversationId)?.text).toBe('half a thought');
      for (const id of answered) expect(resultCounts(b).get(id)).toBe(1);
      await waitFor(() => resultCounts(b).size === sent.length, 30_000, 'the rest answered');
      expect([...resultCounts(b).values()].every((n) => n === 1)).toBe(true);
    });
  });
}
