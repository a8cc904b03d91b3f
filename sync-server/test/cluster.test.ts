import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestByKey, userParts } from '@parley/schema';
import { createTestDatabase, type TestDatabase } from '@parley/schema/db/testing';
import { startTestServer, type TestServer } from './harness.ts';
import { connect, directConversation, register, waitFor } from './clients.ts';

/**
 * Two sync-server instances joined through Redis on one MySQL database
 * (DESIGN.md, "Scale"): what one instance writes reaches clients of the other.
 */
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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
});
