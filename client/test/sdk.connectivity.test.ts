import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import { manualOnlineSignal, memoryBroadcastHub, type Connectivity, type ParleyClient } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

/**
 * The banner's state from the device's network signal and the socket (SDK-C12),
 * the unread total (SDK-N3) and sign-out across tabs (SDK-A5), against a real
 * sync-server.
 */
let server: TestServer;
const cleanup: ParleyClient[] = [];
const track = (c: ParleyClient) => (cleanup.push(c), c);

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const c of cleanup.reverse()) await c.destroy().catch(() => undefined);
  await server?.stop();
});

describe('SDK-C12: connectivity follows the network signal at once, presence turns unknown', () => {
  it('offline the moment the signal says so, then back online and online once the socket is back', async () => {
    const [a, b] = [await account(server.url, 'net'), await account(server.url, 'peer')];
    const online = manualOnlineSignal(true);
    const alice = track(client(server.url, a, { online }));
    const bob = track(client(server.url, b));
    const seen: Connectivity[] = [];
    alice.on('connectivity', (s) => seen.push(s));
    const states: string[] = [];
    alice.on('stateChanged', (s) => states.push(s));
    await Promise.all([alice.connect(), bob.connect()]);
    await Promise.all([alice.whenSynced(), bob.whenSynced()]);
    const conversation = await direct(alice, b);
    await alice.refreshConversations();
    await until(() => alice.isOnline(b.user.id) && alice.getCachedConversation(conversation.id)?.online, 'bob online for alice');
    expect(alice.getConnectivity()).toBe('online');

    online.set(false);
    // No heartbeat timeout to wait for: the signal is news at once.
    expect(alice.getConnectivity()).toBe('offline');
    expect([alice.presenceKnown, alice.isOnline(b.user.id), alice.onlineUsers()]).toEqual([false, false, []]);
    expect(alice.getCachedConversation(conversation.id)?.online).toBe(false);
    // The socket was dropped at once rather than left to its heartbeat.
    expect(states).toContain('reconnecting');
    expect(seen).not.toContain('backOnline');

    online.set(true);
    await until(() => alice.getConnectivity() === 'backOnline', 'back online');
    await until(() => alice.getConnectivity() === 'online', 'online after back online', 6000);
    expect(seen.slice(0, seen.indexOf('offline') + 1)).toEqual(['online', 'offline']);
    await until(() => alice.isOnline(b.user.id), 'bob online again for alice');
  });

  it('with `online: false` the socket alone decides, as in Node', async () => {
    const a = await account(server.url, 'node');
    const c = track(client(server.url, a, { online: false }));
    await c.connect();
    await c.whenSynced();
    expect(c.getConnectivity()).toBe('online');
  });

  it('refuses an online signal that is not one, with CONFIG_INVALID', async () => {
    const a = await account(server.url, 'bad');
    expect(() => client(server.url, a, { online: {} as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('SDK-N3: the unread total over conversations that are not muted', () => {
  it('counts what arrives, and leaves muted conversations out', async () => {
    const [a, b] = [await account(server.url, 'reader'), await account(server.url, 'writer')];
    const alice = track(client(server.url, a));
    const bob = track(client(server.url, b));
    const totals: number[] = [];
    alice.on('unreadTotal', (n) => totals.push(n));
    await Promise.all([alice.connect(), bob.connect()]);
    await Promise.all([alice.whenSynced(), bob.whenSynced()]);
    const conversation = await direct(bob, a);
    for (const text of ['one', 'two']) await (await bob.sendMessage({ conversationId: conversation.id, text })).confirmed;
    await until(() => alice.getUnreadTotal() === 2, 'two unread');
    expect(totals.at(-1)).toBe(2);
    alice.setConversationSettings(conversation.id, { muted: true });
    await until(() => alice.getUnreadTotal() === 0, 'muted: none counted');
    expect(totals.at(-1)).toBe(0);
  });
});

describe('SDK-A5: signing out in one tab signs out the others', () => {
  it('the other tab hears it, lets go, and its tokens no longer refresh', async () => {
    const a = await account(server.url, 'tabs');
    const hub = memoryBroadcastHub();
    const here = track(client(server.url, a, { broadcastChannel: hub }));
    const other = track(client(server.url, a, { broadcastChannel: hub }));
    const heard: string[] = [];
    here.on('signedOut', (w) => heard.push(`here:${w}`));
    other.on('signedOut', (w) => heard.push(`other:${w}`));
    await Promise.all([here.connect(), other.connect()]);
    await here.logout();
    await until(() => heard.includes('other:otherTab'), 'the other tab signed out');
    expect(heard).toEqual(['here:here', 'other:otherTab']);
    await until(() => other.getConnectionState() === 'disconnected', 'the other tab disconnected');
  });
});
