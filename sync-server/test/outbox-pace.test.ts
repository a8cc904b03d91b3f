import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { v7 as uuidv7 } from 'uuid';
import { LIMITS, userParts, type AuthResponse, type Command, type CommandResult, type ConversationSummary, type Message } from '@parley/schema';
import { eachServer, startTestServer, type TestServer } from './harness.ts';
import { api, connect, directConversation, register, waitFor, type SyncClient } from './clients.ts';

/**
 * Rule O10: beyond a user's command rate, outbox commands wait their turn and
 * are handled in order; only entries past the pending cap are refused
 * (OUTBOX_FULL). REST writes over the rate keep answering 429 RATE_LIMITED.
 */

type SendEntry = Command & { type: 'send' };

function sendCommand(conversationId: string, text: string): SendEntry {
  return { id: uuidv7(), type: 'send', conversationId, messageId: uuidv7(), kind: 'text', text, createdAt: Date.now() };
}

/** Every result the client ever saw, in arrival order, with the time it arrived (`results` itself keeps only the last 500). */
function recordResults(client: SyncClient): { all: CommandResult[]; at: Map<string, number> } {
  const all: CommandResult[] = [...client.results()];
  const at = new Map<string, number>(all.map((r) => [r.id, performance.now()]));
  userParts(client.user.doc).results.observe((event) => {
    for (const item of event.changes.added) {
      for (const r of item.content.getContent() as CommandResult[]) {
        all.push(r);
        at.set(r.id, performance.now());
      }
    }
  });
  return { all, at };
}

/** The user's backlog written while offline: a fresh document with the commands in it, then connected. */
async function connectWithBacklog(server: TestServer, auth: AuthResponse, commands: Command[]) {
  const doc = new Y.Doc();
  userParts(doc).outbox.push(commands);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const client = await connect(server.wsUrl, auth, { doc });
  return { client, started, cpu };
}

async function history(server: TestServer, token: string, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: number | undefined;
  for (;;) {
    const q = `limit=200${before === undefined ? '' : `&before=${before}`}`;
    const { status, body } = await api<{ items: Message[]; hasMore: boolean }>(server.url, `/conversations/${conversationId}/messages?${q}`, { token });
    expect(status).toBe(200);
    all.unshift(...body.items);
    if (!body.hasMore || !body.items.length) return all;
    before = body.items[0]!.seq;
  }
}

async function group(server: TestServer, owner: AuthResponse, members: AuthResponse[]): Promise<string> {
  const { status, body } = await api<{ conversation: ConversationSummary }>(server.url, '/conversations', {
    token: owner.token,
    body: { type: 'group', title: 'backlog', memberIds: members.map((m) => m.user.id) },
  });
  expect(status).toBe(201);
  return body.conversation.id;
}

const texts = (messages: Array<{ kind: string; text: string }>) => messages.filter((m) => m.kind !== 'system').map((m) => m.text);

eachServer('O10 at a raised rate', (server) => {
  it('O10: a raw client with 1,000 commands in its outbox at once gets all 1,000 sent, none failed, in the order written, for every member and in history', async () => {
    const [alice, bob, carol] = [await register(server.url, 'alice'), await register(server.url, 'bob'), await register(server.url, 'carol')];
    const directId = await directConversation(server.url, alice, bob);
    const groupId = await group(server, alice, [bob, carol]);
    const commands = Array.from({ length: 1000 }, (_, i) => sendCommand(i % 2 ? groupId : directId, `m${i}`));
    const typed = (id: string) => commands.filter((c) => c.conversationId === id).map((c) => c.text);

    const { client: a, started, cpu } = await connectWithBacklog(server, alice, commands);
    const seen = recordResults(a);
    await waitFor(() => seen.all.length >= 1000, 60_000, '1,000 results');
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    process.stdout.write(`O10: 1,000-command backlog drained in ${(elapsed / 1000).toFixed(1)} s at 500/s (burst 200); CPU of the test process (server and client) ${((used.user + used.system) / 1000).toFixed(0)} ms\n`);

    expect(seen.all.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(seen.all.map((r) => r.id)).toEqual(commands.map((c) => c.id));
    expect(userParts(a.user.doc).outbox.length).toBe(0);

    for (const id of [directId, groupId]) {
      const fromHistory = await history(server, bob.token, id);
      expect(texts(fromHistory)).toEqual(typed(id));
      const seqs = fromHistory.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    expect(texts(await history(server, carol.token, groupId))).toEqual(typed(groupId));

    // Every member's replica holds the window's tail in the same order.
    const b = await connect(server.wsUrl, bob);
    const c = await connect(server.wsUrl, carol);
    await Promise.all([b.open(directId), b.open(groupId), c.open(groupId)]);
    for (const [client, id] of [[b, directId], [b, groupId], [c, groupId]] as const) {
      const window = texts(client.messages(id));
      expect(window.length).toBeGreaterThan(100);
      expect(window).toEqual(typed(id).slice(-window.length));
    }
    for (const client of [a, b, c]) client.destroy();
  }, 90_000);
}, { config: { commandRatePerSecond: 500, commandBurst: 200 } });

eachServer('O10 at the default rate', (server) => {
  it('O10: past the burst of 200, commands are handled at 20 a second, in order, and none is refused', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const directId = await directConversation(server.url, alice, bob);
    const commands = Array.from({ length: 260 }, (_, i) => sendCommand(directId, `m${i}`));
    const { client: a, started } = await connectWithBacklog(server, alice, commands);
    const seen = recordResults(a);
    await waitFor(() => seen.all.length >= 260, 30_000, '260 results');
    const elapsed = performance.now() - started;

    expect(seen.all.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(seen.all.map((r) => r.id)).toEqual(commands.map((c) => c.id));
    // The bucket's promise, whatever the server's speed: by any moment t after the backlog
    // arrived, at most burst + rate × t commands were answered (60 past the burst: ≥ 2.9 s).
    const overRate = commands.filter((c, i) => i + 1 > LIMITS.commandBurst + (LIMITS.commandRatePerSecond * (seen.at.get(c.id)! - started)) / 1000 + 1);
    expect(overRate).toEqual([]);
    expect(elapsed).toBeGreaterThan(2900);
    expect(texts(await history(server, bob.token, directId))).toEqual(commands.map((c) => c.text));
    a.destroy();
  }, 60_000);
}, { config: { commandRatePerSecond: LIMITS.commandRatePerSecond, commandBurst: LIMITS.commandBurst } });

eachServer('O10 past the pending cap', (server) => {
  it('O10: a flood past the cap is refused OUTBOX_FULL for the newest entries only, and another user is served throughout', async () => {
    const [alice, bob, dave] = [await register(server.url, 'alice'), await register(server.url, 'bob'), await register(server.url, 'dave')];
    const directId = await directConversation(server.url, alice, bob);
    const daveId = await directConversation(server.url, dave, bob);
    const a = await connect(server.wsUrl, alice);
    const d = await connect(server.wsUrl, dave);
    const seen = recordResults(a);
    const daveSeen = recordResults(d);

    const flood = Array.from({ length: 500 }, (_, i) => sendCommand(directId, `f${i}`));
    userParts(a.user.doc).outbox.push(flood);

    // Dave's round trip (command written → its result back) while alice's backlog drains.
    const trips: number[] = [];
    let servedDuringFlood = 0;
    const floodStart = performance.now();
    while (seen.all.length < 500) {
      const command = sendCommand(daveId, `d${trips.length}`);
      const t0 = performance.now();
      userParts(d.user.doc).outbox.push([command]);
      await waitFor(() => daveSeen.at.has(command.id), 5000, "dave's result");
      trips.push(daveSeen.at.get(command.id)! - t0);
      if (seen.all.length < 500) servedDuringFlood += 1;
      await new Promise((r) => setTimeout(r, 50));
      if (performance.now() - floodStart > 30_000) throw new Error('the flood did not drain');
    }
    const sorted = [...trips].sort((x, y) => x - y);
    process.stdout.write(`O10: another user's round trip during a 500-command flood: ${trips.length} trips, p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms\n`);
    // Served throughout: his commands were answered between alice's, not after her backlog (timings are reported, not asserted).
    expect(servedDuringFlood).toBeGreaterThan(5);
    expect(daveSeen.all.every((r) => r.status === 'sent')).toBe(true);

    const byId = new Map(seen.all.map((r) => [r.id, r]));
    const kept = flood.slice(0, 300);
    const overflow = flood.slice(300);
    expect(kept.map((c) => byId.get(c.id)?.status)).toEqual(kept.map(() => 'sent'));
    expect(overflow.map((c) => byId.get(c.id))).toEqual(overflow.map((c) => expect.objectContaining({ id: c.id, status: 'failed', code: 'OUTBOX_FULL' })));
    expect(texts(await history(server, bob.token, directId))).toEqual(kept.map((c) => c.text));
    expect(userParts(a.user.doc).outbox.length).toBe(0);
    a.destroy();
    d.destroy();
  }, 60_000);
}, { config: { commandRatePerSecond: 100, commandBurst: 50, outboxMaxPending: 300 } });

eachServer('O10 at a small rate', (server) => {
  it('O10: a REST write over the rate is 429 RATE_LIMITED, while the outbox waits and loses nothing', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const groupId = await group(server, alice, [bob]);
    const rename = (title: string) => api<{ error?: { code: string } }>(server.url, `/conversations/${groupId}`, { method: 'PATCH', token: alice.token, body: { title } });
    const answers = [await rename('one'), await rename('two'), await rename('three')];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.body.error?.code).toBe('RATE_LIMITED');

    // The bucket is empty now: six commands at 2/s take about 3 s, and all land.
    const commands = Array.from({ length: 6 }, (_, i) => sendCommand(groupId, `s${i}`));
    const { client: a, started } = await connectWithBacklog(server, alice, commands);
    const seen = recordResults(a);
    await waitFor(() => seen.all.length >= 6, 15_000, 'six results');
    expect(performance.now() - started).toBeGreaterThan(2000);
    expect(seen.all.map((r) => [r.id, r.status])).toEqual(commands.map((c) => [c.id, 'sent']));
    a.destroy();
  }, 30_000);
}, { config: { commandRatePerSecond: 2, commandBurst: 2 } });

it('O10: closing the server with a paced backlog does not wait for it; the backlog stays in the outbox', async () => {
  const server = await startTestServer({ config: { commandRatePerSecond: 1, commandBurst: 1 } });
  const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
  const directId = await directConversation(server.url, alice, bob);
  const commands = Array.from({ length: 30 }, (_, i) => sendCommand(directId, `w${i}`));
  const { client: a } = await connectWithBacklog(server, alice, commands);
  const seen = recordResults(a);
  await waitFor(() => seen.all.length >= 1, 10_000, 'the first result');
  await server.stop();
  // Had the shutdown waited for the backlog (30 s at 1/s), the outbox would be empty.
  expect(seen.all.length).toBeLessThan(5);
  expect(userParts(a.user.doc).outbox.length).toBeGreaterThan(25);
  a.destroy();
}, 30_000);
