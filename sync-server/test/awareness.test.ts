import { expect, it } from 'vitest';
import { conversationDocName } from '@parley/schema';
import { childServerPerTest } from './restarts.ts';
import { eachServer } from './harness.ts';
import { directConversation, register, waitFor } from './clients.ts';
import { MESSAGE, metric, peakRss, rawClient, rssOf } from './raw.ts';

/** Issue 11, awareness (rules A4, B4). */
const METRICS_TOKEN = 'awareness-metrics';
const STATES = 100;
const STATE_BYTES = 1024 * 1024;

const child = childServerPerTest('sqlite');

it('B4: 100 awareness states of 1 MB are refused; server memory stays flat and a new member joins with a small frame', async () => {
  const { alice, bob, conversationId } = await child.start({ PARLEY_METRICS_TOKEN: METRICS_TOKEN });
  const server = child.child;
  const name = conversationDocName(conversationId);
  // Bob is a member on screen while Alice floods.
  const watcher = await rawClient(server.wsUrl);
  watcher.auth(name, bob.token);
  await watcher.authenticated(name);

  const before = await rssOf(server.process.pid!);
  // One connection, many client ids, as in the issue; it stays open.
  const attacker = await rawClient(server.wsUrl);
  attacker.auth(name, alice.token);
  await attacker.authenticated(name);
  for (let i = 0; i < STATES; i++) attacker.awareness(name, 1000 + i, { typing: true, blob: 'x'.repeat(STATE_BYTES) });
  const peak = await peakRss(server.process.pid!, 2000);
  const grownMb = (peak - before) / 1024 / 1024;
  process.stdout.write(`awareness: rss before ${(before / 1024 / 1024).toFixed(0)} MB, peak ${(peak / 1024 / 1024).toFixed(0)} MB, grown ${grownMb.toFixed(0)} MB\n`);
  // Unbounded, the server holds 100 MB of states and has sent them all to Bob (measured: +83 MB for 60).
  // What is left here is the garbage of the frames read before the refusal: bounded, not held.
  expect(grownMb).toBeLessThan(60);
  expect(await metric(server.url, METRICS_TOKEN, 'parley_awareness_bytes')).toBeLessThan(64 * 1024);
  expect(await metric(server.url, METRICS_TOKEN, 'parley_refusals_total', { reason: 'awareness_size' })).toBeGreaterThanOrEqual(1);

  // A newcomer (Bob's second device) joins; the awareness it is sent is small.
  const newcomer = await rawClient(server.wsUrl);
  newcomer.auth(name, bob.token);
  await newcomer.authenticated(name);
  newcomer.syncStep1(name);
  await new Promise((r) => setTimeout(r, 500));
  const biggestAwareness = Math.max(0, ...newcomer.received.filter((m) => m.type === MESSAGE.awareness).map((m) => m.bytes));
  expect(biggestAwareness).toBeLessThan(64 * 1024);
  expect(newcomer.received.some((m) => m.type === MESSAGE.sync)).toBe(true);
  for (const c of [watcher, newcomer, attacker]) c.close();
}, 120_000);

eachServer('awareness bounds', (server) => {
  const statesOf = (conversationId: string) => server.sync.server.hocuspocus.documents.get(conversationDocName(conversationId))?.awareness.getStates() ?? new Map();

  it('A4, B4: one client id per connection, nobody overwrites another slot, identity stamped on the whole state, unknown shapes dropped', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const name = conversationDocName(conversationId);
    const b = await rawClient(server.wsUrl);
    b.auth(name, bob.token);
    await b.authenticated(name);
    b.awareness(name, 500, { typing: true });
    await waitFor(() => statesOf(conversationId).get(500)?.typing === true, 10_000, 'bob typing');

    const a = await rawClient(server.wsUrl);
    a.auth(name, alice.token);
    await a.authenticated(name);
    // Bob's slot, under Alice's connection: dropped.
    a.awareness(name, 500, { typing: false, user: { id: alice.user.id } }, 5);
    // Alice's own slot, with a forged identity and fields the protocol does not define.
    a.awareness(name, 600, { typing: true, user: { id: bob.user.id, name: 'bob, honestly' }, extra: 'x', __proto__: { polluted: 1 } });
    await waitFor(() => statesOf(conversationId).has(600), 10_000, 'alice typing');
    // A second id from the same connection: dropped.
    a.awareness(name, 601, { typing: true });
    // An array-shaped state from another of Alice's connections: dropped.
    const a2 = await rawClient(server.wsUrl);
    a2.auth(name, alice.token);
    await a2.authenticated(name);
    a2.awareness(name, 700, [1, 2, 3]);
    a2.awareness(name, 701, 'typing');
    await new Promise((r) => setTimeout(r, 300));

    const states = statesOf(conversationId);
    expect(states.get(500)).toEqual({ typing: true, user: { id: bob.user.id } });
    expect(states.get(600)).toEqual({ typing: true, user: { id: alice.user.id } });
    expect(states.has(601)).toBe(false);
    expect(states.has(700)).toBe(false);
    expect(states.has(701)).toBe(false);
    for (const c of [a, a2, b]) c.close();
  });

  it('B4: awareness past the per-document total is dropped, not stored', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const name = conversationDocName(conversationId);
    const sockets = [];
    for (let i = 0; i < 40; i++) {
      const s = await rawClient(server.wsUrl);
      s.auth(name, alice.token);
      await s.authenticated(name);
      s.awareness(name, 2000 + i, { typing: true });
      sockets.push(s);
    }
    await waitFor(() => statesOf(conversationId).size > 0, 10_000, 'states');
    await new Promise((r) => setTimeout(r, 300));
    const total = [...statesOf(conversationId).values()].reduce((sum, s) => sum + JSON.stringify(s).length, 0);
    // The test server allows 1 KB per document: a handful of states, not 40.
    expect(total).toBeLessThanOrEqual(1024);
    expect(statesOf(conversationId).size).toBeLessThan(40);
    for (const s of sockets) s.close();
  });
}, { dialects: ['sqlite'], config: { bounds: { awarenessDocumentMaxBytes: 1024 } } });

