import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@parley/schema/db/testing';
import { freePort, spawnServer, startTestServer, type ChildServer, type TestServer } from '../../sync-server/test/harness.ts';
import { memoryBroadcastHub, memoryStorage, type ParleyClient } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});
const track = (c: ParleyClient) => (cleanup.push(() => c.destroy()), c);

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanup.push(() => s.stop());
  return s;
}

describe('offline-first, tabs, devices', () => {
  it('offline outbox: sends queued with no server go out on reconnect, survive a reload', async () => {
    const s = await server();
    const [a, b] = [await account(s.url, 'alice'), await account(s.url, 'bob')];
    const storage = memoryStorage();
    const online = track(client(s.url, a, { storage }));
    await online.connect();
    const conv = await direct(online, b);
    await online.whenSynced();
    await online.destroy();

    // "No network": a client pointed at a closed port; it still accepts messages.
    const offline = track(client('http://127.0.0.1:9', a, { storage }));
    await offline.connect();
    const room = await offline.openConversation(conv.id);
    const sends = await Promise.all(['one', 'two', 'three'].map((text) => offline.sendMessage({ conversationId: conv.id, text })));
    expect(room.messages().filter((m) => m.status === 'pending').map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(offline.getConnectionState()).not.toBe('connected');
    await offline.destroy();

    // Reload with the network back: the outbox drains, each message once, in order.
    const back = track(client(s.url, a, { storage }));
    await back.connect();
    const again = await back.openConversation(conv.id);
    await until(() => sends.every((x) => again.messages().find((m) => m.id === x.messageId && m.status === 'sent')), 'the queued sends to land');
    const texts = again.messages().filter((m) => m.kind === 'text').map((m) => m.text);
    expect(texts).toEqual(['one', 'two', 'three']);
  });

  it('two tabs sharing a BroadcastChannel converge while the server is down; no duplicate sends', async () => {
    const s = await server();
    const [a, b] = [await account(s.url, 'alice'), await account(s.url, 'bob')];
    const setup = track(client(s.url, a));
    await setup.connect();
    const conv = await direct(setup, b);

    const bc = memoryBroadcastHub();
    const tab1 = track(client('http://127.0.0.1:9', a, { broadcastChannel: bc }));
    const tab2 = track(client('http://127.0.0.1:9', a, { broadcastChannel: bc }));
    await Promise.all([tab1.connect(), tab2.connect()]);
    const [r1, r2] = await Promise.all([tab1.openConversation(conv.id), tab2.openConversation(conv.id)]);
    const m1 = await tab1.sendMessage({ conversationId: conv.id, text: 'from tab 1' });
    const m2 = await tab2.sendMessage({ conversationId: conv.id, text: 'from tab 2' });
    tab1.setDraft(conv.id, 'half a thought');
    await until(() => r1.messages().length === 2 && r2.messages().length === 2, 'both tabs to show both pending sends');
    expect(r1.messages().map((m) => m.id).sort()).toEqual([m1.messageId, m2.messageId].sort());
    await until(() => tab2.getDraft(conv.id)?.text === 'half a thought', 'the draft in tab 2');

    // One tab reaches the server: both messages land once each.
    const online = track(client(s.url, a, { broadcastChannel: bc }));
    await online.connect();
    const room = await online.openConversation(conv.id);
    await until(() => [m1, m2].every((x) => room.messages().some((m) => m.id === x.messageId && m.status === 'sent')), 'both sends to land');
    await until(() => r1.messages().filter((m) => m.status === 'sent' && m.kind === 'text').length === 2, 'tab 1 (offline) to see them sent via the relay');
    const ids = room.messages().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('two devices of one user converge on sent messages, drafts, settings and read state', async () => {
    const s = await server();
    const [a, b] = [await account(s.url, 'alice'), await account(s.url, 'bob')];
    const phone = track(client(s.url, a));
    const laptop = track(client(s.url, a));
    const bob = track(client(s.url, b));
    await Promise.all([phone.connect(), laptop.connect(), bob.connect()]);
    const conv = await direct(phone, b);
    const bobSent = await bob.sendMessage({ conversationId: conv.id, text: 'hi alice' });
    await bobSent.confirmed;
    const sent = await phone.sendMessage({ conversationId: conv.id, text: 'from the phone' });
    phone.setDraft(conv.id, 'draft on phone');
    phone.setConversationSettings(conv.id, { pinned: true });
    await phone.markRead(conv.id, bobSent.confirmed ? (await bobSent.confirmed).seq : 0);
    const room = await laptop.openConversation(conv.id);
    await until(() => room.messages().some((m) => m.id === sent.messageId && m.status === 'sent'), 'the laptop to see the phone\'s message');
    await until(() => laptop.getDraft(conv.id)?.text === 'draft on phone', 'the draft');
    await until(() => laptop.getConversationSettings(conv.id).pinned, 'the pin');
    await until(() => laptop.listConversations().find((c) => c.id === conv.id && c.readSeq >= 2), 'the read marker');
  });
});

describe('liveness and server restarts', () => {
  it('a heartbeat timeout (server stops answering) drops the socket and reconnects per strategy', async () => {
    const s = await server();
    const a = await account(s.url, 'alice');
    const c = track(client(s.url, a, { heartbeat: { interval: 200, timeout: 300 }, reconnect: { strategy: 'fixed', initialDelay: 50, maxDelay: 50, jitter: 0 } }));
    const events: string[] = [];
    c.setCallbacks({
      disconnected: (why) => events.push(`disconnected:${why}`),
      reconnecting: (n) => events.push(`reconnecting:${n}`),
      reconnected: () => events.push('reconnected'),
    });
    let received = 0;
    c.on('heartbeatReceived', () => received++);
    await c.connect();
    await until(() => received >= 2, 'pongs');
    // Swallow pings on this client's side, as a half-open connection would.
    const connection = (c as unknown as { connection: { pong(t: number): void } }).connection;
    const realPong = connection.pong.bind(connection);
    connection.pong = () => {};
    await until(() => events.includes('disconnected:heartbeat timeout'), 'the heartbeat to declare the socket dead', 5000);
    connection.pong = realPong;
    await until(() => events.includes('reconnected'), 'a reconnect');
    expect(events.slice(0, 3)).toEqual(['disconnected:heartbeat timeout', 'reconnecting:1', 'reconnected']);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`server restart mid-burst (${signal}) loses and duplicates nothing in the message list`, async () => {
      const database = await createTestDatabase('sqlite');
      cleanup.push(() => database.drop());
      const port = await freePort();
      let child: ChildServer = await spawnServer({ database, port });
      cleanup.push(() => child.kill('SIGKILL'));
      const [a, b] = [await account(child.url, 'alice'), await account(child.url, 'bob')];
      const alice = track(client(child.url, a, { reconnect: { strategy: 'exponential', initialDelay: 50, maxDelay: 500, jitter: 0.5 } }));
      const bob = track(client(child.url, b, { reconnect: { strategy: 'exponential', initialDelay: 50, maxDelay: 500, jitter: 0.5 } }));
      await Promise.all([alice.connect(), bob.connect()]);
      const conv = await direct(alice, b);
      const bobRoom = await bob.openConversation(conv.id);
      const room = await alice.openConversation(conv.id);

      const ids: string[] = [];
      const burst = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          ids.push((await alice.sendMessage({ conversationId: conv.id, text: `m${i}` })).messageId);
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
        }
      };
      const sending = burst(0, 150);
      await until(() => room.messages().filter((m) => m.status === 'sent').length > 20, 'some messages to land');
      await child.kill(signal);
      await sending;
      await burst(150, 200);
      child = await spawnServer({ database, port });

      const check = (list: ReturnType<typeof room.messages>) => {
        const texts = list.filter((m) => m.kind === 'text' && m.status === 'sent');
        return texts.length === 200 && new Set(texts.map((m) => m.id)).size === 200;
      };
      await until(() => check(room.messages()), 'all 200 in alice\'s list', 60_000);
      await until(() => check(bobRoom.messages()), 'all 200 in bob\'s list', 60_000);
      for (const list of [room.messages(), bobRoom.messages()]) {
        const listIds = list.map((m) => m.id);
        expect(new Set(listIds).size).toBe(listIds.length);
        const seqs = list.map((m) => m.seq!);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(list.filter((m) => m.kind === 'text').map((m) => m.id).sort()).toEqual([...ids].sort());
      }
    });
  }
});
