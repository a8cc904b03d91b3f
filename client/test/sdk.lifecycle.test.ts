import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthResponse, ErrorCode } from '@parley/schema';
import { cable, type Cable } from '../../sync-server/test/cable.ts';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import type { ConnectionState, ParleyClient, ParleyClientConfig } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

/**
 * The connection state machine of docs/sdk.md ("Connection states") against a
 * real sync-server, reached through a TCP cable the test can pull: `down()`
 * closes every connection and refuses new ones (the listener is gone), `up()`
 * listens again on the same port.
 */
async function lineTo(target: string): Promise<Cable & { url: string }> {
  const { hostname, port } = new URL(target);
  const line = await cable(hostname, Number(port));
  cleanup.push(() => line.close());
  return { ...line, url: `http://${line.host}:${line.port}` };
}

let server: TestServer;
const cleanup: Array<() => Promise<unknown>> = [];
const track = (c: ParleyClient) => (cleanup.push(() => c.destroy()), c);

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  await server?.stop();
});

const fast: Partial<ParleyClientConfig> = { reconnect: { strategy: 'fixed', initialDelay: 40, maxDelay: 40, jitter: 0 } };

/** A client whose every state change, reconnect and error is recorded. */
function watched(url: string, auth: AuthResponse, extra: Partial<ParleyClientConfig> = {}) {
  const c = track(client(server.url, auth, { serverUrl: url, ...fast, ...extra }));
  const states: ConnectionState[] = [];
  const attempts: number[] = [];
  const errors: ErrorCode[] = [];
  const events: string[] = [];
  const order: string[] = [];
  c.on('stateChanged', (s) => (states.push(s), order.push(`state:${s}`)));
  c.on('disconnected', () => order.push('disconnected'));
  c.on('reconnecting', (n) => order.push(`reconnecting:${n}`));
  c.on('reconnecting', (n) => attempts.push(n));
  c.on('error', (e) => errors.push(e.code));
  c.on('disconnected', () => events.push('disconnected'));
  c.on('reconnected', () => events.push('reconnected'));
  return { c, states, attempts, errors, events, order };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connection states against a real server', () => {
  it('SDK-C1, SDK-C2: connect() goes disconnected → connecting → connected', async () => {
    const a = await account(server.url, 'alice');
    const w = watched(server.url, a);
    expect(w.c.getConnectionState()).toBe('disconnected');
    await w.c.connect();
    await until(() => w.c.getConnectionState() === 'connected', 'connected');
    expect(w.states).toEqual(['connecting', 'connected']);
    expect(w.errors).toEqual([]);
  });

  it('SDK-C4, SDK-C5, SDK-C6: a drop reconnects per strategy: connected → reconnecting (attempts fail while the server is away) → connected', async () => {
    const line = await lineTo(server.url);
    const a = await account(server.url, 'alice');
    const w = watched(line.url, a);
    await w.c.connect();
    await w.c.whenSynced();
    await line.down();
    await until(() => w.attempts.length >= 3, 'three failed attempts');
    expect(w.c.getConnectionState()).toBe('reconnecting');
    await line.up();
    await until(() => w.c.getConnectionState() === 'connected' && w.events.includes('reconnected'), 'reconnected');
    expect(w.states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(w.events).toEqual(['disconnected', 'reconnected']);
    // The drop is reported before the state it leads to, then the first retry.
    expect(w.order.slice(2, 5)).toEqual(['disconnected', 'state:reconnecting', 'reconnecting:1']);
    // One attempt per failure, counted from 1, none reported twice.
    expect(w.attempts).toEqual(w.attempts.map((_, i) => i + 1));
    await line.down();
  });

  it('SDK-C3, SDK-C7, SDK-C10: a server that is never there: connecting → reconnecting → failed, with one CONNECTION_FAILED, and it stays failed', async () => {
    const line = await lineTo(server.url);
    await line.down();
    const a = await account(server.url, 'alice');
    const w = watched(line.url, a, { reconnect: { strategy: 'fixed', initialDelay: 30, maxDelay: 30, jitter: 0, maxRetries: 3 } });
    await w.c.connect();
    await until(() => w.c.getConnectionState() === 'failed', 'failed');
    // Ten retry delays later nothing has moved: no flicker, no second error, no attempt.
    await sleep(300);
    expect(w.states).toEqual(['connecting', 'reconnecting', 'failed']);
    expect(w.attempts).toEqual([1, 2, 3]);
    expect(w.errors).toEqual(['CONNECTION_FAILED']);
  });

  it('SDK-C7, SDK-C8: giving up after a drop is steady even when the server returns; sends wait; connect() starts again with a fresh count', async () => {
    const line = await lineTo(server.url);
    const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
    const w = watched(line.url, a, { reconnect: { strategy: 'fixed', initialDelay: 30, maxDelay: 30, jitter: 0, maxRetries: 2 } });
    await w.c.connect();
    const conv = await direct(w.c, b);
    await w.c.whenSynced();
    await line.down();
    await until(() => w.c.getConnectionState() === 'failed', 'failed');
    await line.up();
    const sent = await w.c.sendMessage({ conversationId: conv.id, text: 'written while failed' });
    await sleep(300);
    expect(w.c.getConnectionState()).toBe('failed');
    expect(w.c.messageStatus(sent.messageId)).toBe('pending');
    expect(w.errors).toEqual(['CONNECTION_FAILED']);
    expect(w.states).toEqual(['connecting', 'connected', 'reconnecting', 'failed']);

    await w.c.connect();
    await until(() => w.c.getConnectionState() === 'connected', 'connected again');
    expect(w.states.slice(4)).toEqual(['connecting', 'connected']);
    expect((await sent.confirmed).seq).toBeGreaterThan(0);

    // The count starts afresh: two more failures are tolerated before the next give-up.
    await line.down();
    await until(() => w.c.getConnectionState() === 'failed', 'failed again');
    expect(w.attempts).toEqual([1, 2, 1, 2]);
    expect(w.errors).toEqual(['CONNECTION_FAILED', 'CONNECTION_FAILED']);
  });

  it('SDK-C8: updateAccessToken() in failed connects again, unless disconnect() was called', async () => {
    const line = await lineTo(server.url);
    await line.down();
    const a = await account(server.url, 'alice');
    const once = { reconnect: { strategy: 'fixed' as const, initialDelay: 20, maxDelay: 20, jitter: 0, maxRetries: 1 } };
    const w = watched(line.url, a, once);
    await w.c.connect();
    await until(() => w.c.getConnectionState() === 'failed', 'failed');
    await line.up();
    w.c.updateAccessToken(a.token);
    await until(() => w.c.getConnectionState() === 'connected', 'connected after the new token');
    expect(w.states).toEqual(['connecting', 'reconnecting', 'failed', 'connecting', 'connected']);

    await line.down();
    const held = watched(line.url, a, once);
    await held.c.connect();
    await until(() => held.c.getConnectionState() === 'failed', 'failed');
    await held.c.disconnect();
    await line.up();
    held.c.updateAccessToken(a.token);
    await sleep(200);
    expect(held.c.getConnectionState()).toBe('disconnected');
  });

  it('SDK-C9, SDK-C10: disconnect() from connecting, connected, reconnecting and failed; a socket that opens afterwards is ignored', async () => {
    const line = await lineTo(server.url);
    const a = await account(server.url, 'alice');

    const connecting = watched(line.url, a);
    await connecting.c.connect();
    expect(connecting.c.getConnectionState()).toBe('connecting');
    await connecting.c.disconnect();
    await sleep(200);
    expect(connecting.states).toEqual(['connecting', 'disconnected']);

    const connected = watched(line.url, a);
    await connected.c.connect();
    await until(() => connected.c.getConnectionState() === 'connected', 'connected');
    await connected.c.disconnect();
    await sleep(200);
    expect(connected.states).toEqual(['connecting', 'connected', 'disconnected']);
    expect(connected.attempts).toEqual([]);

    await line.down();
    const reconnecting = watched(line.url, a);
    await reconnecting.c.connect();
    await until(() => reconnecting.c.getConnectionState() === 'reconnecting', 'reconnecting');
    await reconnecting.c.disconnect();
    const tried = reconnecting.attempts.length;
    await line.up();
    await sleep(200);
    expect(reconnecting.states).toEqual(['connecting', 'reconnecting', 'disconnected']);
    expect(reconnecting.attempts).toHaveLength(tried);

    await line.down();
    const failed = watched(line.url, a, { reconnect: { strategy: 'fixed', initialDelay: 20, maxDelay: 20, jitter: 0, maxRetries: 1 } });
    await failed.c.connect();
    await until(() => failed.c.getConnectionState() === 'failed', 'failed');
    await failed.c.disconnect();
    expect(failed.states).toEqual(['connecting', 'reconnecting', 'failed', 'disconnected']);
    await line.up();
  });

  it('SDK-C11: disconnect() holds every send until connect(); they wait in the outbox, shown pending, and leave in order', async () => {
    const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
    const alice = watched(server.url, a);
    const bob = track(client(server.url, b));
    await Promise.all([alice.c.connect(), bob.connect()]);
    const conv = await direct(alice.c, b);
    const room = await alice.c.openConversation(conv.id);
    const bobRoom = await bob.openConversation(conv.id);
    await alice.c.whenSynced();

    await alice.c.disconnect();
    const sends = [];
    for (const text of ['one', 'two', 'three']) sends.push(await alice.c.sendMessage({ conversationId: conv.id, text }));
    await alice.c.markRead(conv.id);
    await sleep(400);
    expect(alice.c.getConnectionState()).toBe('disconnected');
    expect(alice.states).toEqual(['connecting', 'connected', 'disconnected']);
    expect(room.messages().filter((m) => m.kind === 'text').map((m) => [m.text, m.status])).toEqual([['one', 'pending'], ['two', 'pending'], ['three', 'pending']]);
    expect(bobRoom.messages().filter((m) => m.kind === 'text')).toEqual([]);
    expect((await bob.getHistory(conv.id)).items.filter((m) => m.kind === 'text')).toEqual([]);

    await alice.c.connect();
    const seqs = await Promise.all(sends.map((s) => s.confirmed.then((r) => r.seq)));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await until(() => bobRoom.messages().filter((m) => m.kind === 'text').length === 3, 'bob to see the three');
    expect(bobRoom.messages().filter((m) => m.kind === 'text').map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });

  it('SDK-C11: a client never told connect() or disconnect() connects on first use, as the seed did', async () => {
    const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
    const w = watched(server.url, a);
    const conv = await direct(w.c, b);
    const sent = await w.c.sendMessage({ conversationId: conv.id, text: 'no connect() call' });
    expect((await sent.confirmed).seq).toBeGreaterThan(0);
    expect(w.states).toEqual(['connecting', 'connected']);
  });
});
