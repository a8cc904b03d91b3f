import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/schema';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import { memoryStorage, type MessageFailedEvent, type MessageSentEvent, type ParleyClient } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

/**
 * Rule O10 through the SDK (and SDK-Q3, SDK-Q4): a backlog typed offline is sent
 * whole and in the order typed; messageStatus answers outside the window.
 */

let server: TestServer;
const clients: ParleyClient[] = [];
const track = (c: ParleyClient) => (clients.push(c), c);

beforeAll(async () => {
  // Raised from 20/s so that 1,000 messages drain within CI's time, yet below what the server could
  // take unpaced; sync-server/test/outbox-pace.test.ts proves the default rate.
  server = await startTestServer({ config: { commandRatePerSecond: 200, commandBurst: 100, windowSize: 20 } });
});

afterAll(async () => {
  for (const c of clients) await c.destroy();
  await server?.stop();
});

async function everything(c: ParleyClient, conversationId: string): Promise<string[]> {
  const room = await c.openConversation(conversationId);
  await until(() => room.messages().length, 'the window');
  while (room.hasMore) await room.loadOlder(200);
  return room.messages().filter((m) => m.kind !== 'system').map((m) => m.text);
}

async function history(c: ParleyClient, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await c.getHistory(conversationId, before, 200);
    all.unshift(...page.items);
    if (!page.hasMore || !page.items.length) return all.filter((m) => m.kind !== 'system');
    before = page.items[0]!.seq;
  }
}

describe('SDK outbox backlog', () => {
  it('O10, SDK-Q3: 1,000 messages typed offline to a direct conversation and a group are all sent after reconnecting, none fails, in the order typed for every member and in history', async () => {
    const [a, b, c] = [await account(server.url, 'alice'), await account(server.url, 'bob'), await account(server.url, 'carol')];
    const storage = memoryStorage();
    const online = track(client(server.url, a, { storage }));
    await online.connect();
    await online.whenSynced();
    const directId = (await direct(online, b)).id;
    const groupId = (await online.createGroup('backlog', [b.user.id, c.user.id])).id;
    await online.destroy();

    // No server reachable: every send queues on the device.
    const offline = track(client('http://127.0.0.1:9', a, { storage }));
    await offline.connect();
    const typed = new Map<string, string[]>([[directId, []], [groupId, []]]);
    for (let i = 0; i < 1000; i++) {
      const conversationId = i % 3 ? directId : groupId;
      const text = `m${i}`;
      typed.get(conversationId)!.push(text);
      await offline.sendMessage({ conversationId, text });
    }
    expect(offline.messageStatus((await offline.sendMessage({ conversationId: directId, text: 'last' })).messageId)).toBe('pending');
    typed.get(directId)!.push('last');
    await new Promise((r) => setTimeout(r, 300));
    await offline.destroy();

    const back = track(client(server.url, a, { storage }));
    const sent: MessageSentEvent[] = [];
    const failed: MessageFailedEvent[] = [];
    back.on('messageSent', (e) => sent.push(e));
    back.on('messageFailed', (e) => failed.push(e));
    const started = performance.now();
    const cpu = process.cpuUsage();
    await back.connect();
    await until(() => sent.length >= 1001 || failed.length, '1,001 messages sent', 90_000);
    const used = process.cpuUsage(cpu);
    const elapsed = performance.now() - started;
    process.stdout.write(`O10 (SDK): 1,001 offline messages sent in ${(elapsed / 1000).toFixed(1)} s at 200/s (burst 100); CPU of the test process (server and clients) ${((used.user + used.system) / 1000).toFixed(0)} ms\n`);
    expect(failed).toEqual([]);
    // 901 past the burst at 200/s: paced (about 4.5 s), not refused.
    expect(elapsed).toBeGreaterThan(4000);
    expect(new Set(sent.map((e) => e.messageId)).size).toBe(1001);

    const bob = track(client(server.url, b));
    const carol = track(client(server.url, c));
    await Promise.all([bob.connect(), carol.connect()]);
    for (const [member, id] of [[back, directId], [back, groupId], [bob, directId], [bob, groupId], [carol, groupId]] as const) {
      expect(await everything(member, id)).toEqual(typed.get(id));
    }
    for (const id of [directId, groupId]) {
      const items = await history(bob, id);
      expect(items.map((m) => m.text)).toEqual(typed.get(id));
      expect(items.every((m) => m.senderId === a.user.id)).toBe(true);
    }
  }, 120_000);

  it('SDK-Q4: messageStatus answers "sent" for a message pushed out of the window, and after a reload', async () => {
    const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
    const storage = memoryStorage();
    const alice = track(client(server.url, a, { storage }));
    await alice.connect();
    const conv = await direct(alice, b);
    const room = await alice.openConversation(conv.id);
    const first = await alice.sendMessage({ conversationId: conv.id, text: 'first' });
    await first.confirmed;
    expect(alice.messageStatus(first.messageId)).toBe('sent');
    // The server's window is 20 messages: 40 more push "first" out of it.
    const more = await Promise.all(Array.from({ length: 40 }, (_, i) => alice.sendMessage({ conversationId: conv.id, text: `n${i}` })));
    await Promise.all(more.map((m) => m.confirmed));
    await until(() => room.messages().some((m) => m.text === 'n39' && m.status === 'sent'), 'the window to move');
    await alice.closeConversation(conv.id);
    expect(alice.messageStatus(first.messageId)).toBe('sent');
    expect(alice.messageStatus('0190c3a0-0000-7000-8000-000000000000')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    await alice.destroy();

    const reloaded = track(client(server.url, a, { storage }));
    await reloaded.connect();
    expect(reloaded.messageStatus(first.messageId)).toBe('sent');
  }, 60_000);
});
