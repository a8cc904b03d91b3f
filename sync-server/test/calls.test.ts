import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@parley/schema/db/testing';
import { v7 as uuidv7 } from 'uuid';
import type { AuthResponse, Message } from '@parley/schema';
import { eachServer, startTestServer, type TestServer } from './harness.ts';
import { api, connect, directConversation, register, waitFor, type SyncClient } from './clients.ts';

/** Rules K1–K9: call credentials and the call flow over real sync connections. */

const RING_MS = 1500;

interface Device {
  client: SyncClient;
  seen: Array<Record<string, any>>;
  peerId: string;
  peerToken: string;
  send(message: Record<string, unknown>): void;
  /** The first message of this type (and call) seen, waiting for it. */
  next(type: string, callId: string): Promise<Record<string, any>>;
}

async function device(server: { url: string; wsUrl: string }, auth: AuthResponse): Promise<Device> {
  const seen: Array<Record<string, any>> = [];
  const client = await connect(server.wsUrl, auth, { onStateless: (payload) => seen.push(JSON.parse(payload)) });
  const { body } = await api<{ peerId: string; peerToken: string }>(server.url, '/calls/credentials', { method: 'POST', token: auth.token });
  return {
    client, seen, peerId: body.peerId, peerToken: body.peerToken,
    send: (message) => client.user.provider.sendStateless(JSON.stringify(message)),
    async next(type, callId) {
      const find = () => seen.find((m) => m.type === type && m.callId === callId);
      await waitFor(() => find() !== undefined, 10_000, `${type} for ${callId}`);
      return find()!;
    },
  };
}

async function callMessages(url: string, auth: AuthResponse, conversationId: string): Promise<Message[]> {
  const { body } = await api<{ items: Message[] }>(url, `/conversations/${conversationId}/messages?limit=50`, { token: auth.token });
  return body.items.filter((m) => m.kind === 'call');
}

/** The call messages once there are `n` of them (the record is written right after callEnded). */
async function recordsOf(url: string, auth: AuthResponse, conversationId: string, n: number): Promise<Message[]> {
  let records: Message[] = [];
  for (let i = 0; i < 200 && records.length < n; i++) {
    records = await callMessages(url, auth, conversationId);
    if (records.length < n) await new Promise((r) => setTimeout(r, 50));
  }
  return records;
}

eachServer('calls', (server) => {
  async function pair() {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await device(server, alice);
    const b1 = await device(server, bob);
    const b2 = await device(server, bob);
    const invite = (extra: Record<string, unknown> = {}) => {
      const callId = uuidv7();
      a.send({ type: 'callInvite', callId, conversationId, calleeId: bob.user.id, video: true, peerToken: a.peerToken, ...extra });
      return callId;
    };
    const done = () => [a, b1, b2].forEach((d) => d.client.destroy());
    return { alice, bob, conversationId, a, b1, b2, invite, done };
  }

  it('K1: credentials give each device its own peer id, a token bound to it, and only the configured ICE servers', async () => {
    const alice = await register(server.url, 'alice');
    const first = await api<{ peerId: string; peerToken: string; expiresAt: number; iceServers: unknown[] }>(server.url, '/calls/credentials', { method: 'POST', token: alice.token });
    const second = await api<{ peerId: string }>(server.url, '/calls/credentials', { method: 'POST', token: alice.token });
    expect(first.status).toBe(200);
    expect(first.body.peerId).not.toBe(second.body.peerId);
    expect(first.body.expiresAt).toBeGreaterThan(Date.now());
    // No TURN_URLS here: no servers at all, never a public default.
    expect(first.body.iceServers).toEqual([]);
    const anonymous = await api<{ error: { code: string } }>(server.url, '/calls/credentials', { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });

  it('K2, K4, K8: invite rings every device of the callee; accept on one stops the other; hang-up writes one completed call with its duration', async () => {
    const { alice, bob, conversationId, a, b1, b2, invite, done } = await pair();
    const callId = invite();
    const [in1, in2] = [await b1.next('callIncoming', callId), await b2.next('callIncoming', callId)];
    expect(in1).toMatchObject({ conversationId, callerId: alice.user.id, video: true, peerId: a.peerId });
    expect(in2.peerId).toBe(a.peerId);
    b1.send({ type: 'callRinging', callId });
    b2.send({ type: 'callRinging', callId });
    await a.next('callRinging', callId);

    b1.send({ type: 'callAccept', callId, peerToken: b1.peerToken });
    // The caller is told whom to dial; both devices learn which one answered, so the other stops ringing.
    expect((await a.next('callAccepted', callId)).peerId).toBe(b1.peerId);
    expect((await b2.next('callAccepted', callId)).peerId).toBe(b1.peerId);
    expect((await b2.next('callAccepted', callId)).peerId).not.toBe(b2.peerId);

    // Rule K6: mute and camera state reach the other party.
    a.send({ type: 'callMedia', callId, muted: true, cameraOff: false });
    expect(await b1.next('callMedia', callId)).toMatchObject({ muted: true, cameraOff: false });

    await new Promise((r) => setTimeout(r, 150));
    b1.send({ type: 'callHangup', callId });
    const ended = await a.next('callEnded', callId);
    expect(ended).toMatchObject({ reason: 'hangup', outcome: 'completed' });
    expect(ended.durationMs).toBeGreaterThanOrEqual(100);
    await b2.next('callEnded', callId);

    // The measure (docs/bench.md): a completed call costs 6 steps up and 11 messages down (3 devices) over the sync connections.
    const calls = (d: Device) => d.seen.filter((m) => m.callId === callId).map((m) => m.type);
    expect(calls(a)).toEqual(['callRinging', 'callAccepted', 'callEnded']);
    expect(calls(b1)).toEqual(['callIncoming', 'callAccepted', 'callMedia', 'callEnded']);
    // Messages go to a user's every device: the one that did not answer sees the media state too, and ignores it.
    expect(calls(b2)).toEqual(['callIncoming', 'callAccepted', 'callMedia', 'callEnded']);
    const records = await recordsOf(server.url, bob, conversationId, 1);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'call', senderId: alice.user.id, system: { event: 'call', actorId: alice.user.id, call: { callId, video: true, outcome: 'completed', callerId: alice.user.id } } });
    expect(records[0]!.system!.call!.durationMs).toBeGreaterThanOrEqual(100);
    // Rule K7: signalling for the ended call is refused with its code, and hang-up again writes nothing.
    b1.send({ type: 'callHangup', callId });
    expect(await b1.next('callRefused', callId)).toMatchObject({ step: 'callHangup', code: 'CALL_ENDED' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await callMessages(server.url, alice, conversationId)).toHaveLength(1);
    // The conversation document carries it too, as the SDK reads it.
    await a.client.open(conversationId);
    await waitFor(() => a.client.messages(conversationId).some((m) => m.kind === 'call'), 10_000, 'record in document');
    done();
  });

  it('K2: a device of the callee that connects while the call rings rings too; one that connects after the answer, or the caller\'s, does not', async () => {
    const { alice, bob, a, b1, invite, done } = await pair();
    const callId = invite();
    await b1.next('callIncoming', callId);
    const late = await device(server, bob);
    expect(await late.next('callIncoming', callId)).toMatchObject({ callerId: alice.user.id, peerId: a.peerId });
    const callerTab = await device(server, alice);
    b1.send({ type: 'callAccept', callId, peerToken: b1.peerToken });
    await a.next('callAccepted', callId);
    await late.next('callAccepted', callId);
    const afterAnswer = await device(server, bob);
    // A ping answered proves the connection is through its connected hook.
    afterAnswer.send({ type: 'ping', t: 1 });
    await waitFor(() => afterAnswer.seen.some((m) => m.type === 'pong'), 10_000, 'pong');
    b1.send({ type: 'callHangup', callId });
    await late.next('callEnded', callId);
    expect(afterAnswer.seen.filter((m) => m.type === 'callIncoming')).toEqual([]);
    expect(callerTab.seen.filter((m) => m.type === 'callIncoming')).toEqual([]);
    for (const d of [late, callerTab, afterAnswer]) d.client.destroy();
    done();
  });

  it('K3, K8: reject writes declined, cancel cancelled, no answer missed (after the ring timeout)', async () => {
    const { bob, conversationId, a, b1, b2, invite, done } = await pair();
    const rejected = invite();
    await b1.next('callIncoming', rejected);
    b2.send({ type: 'callReject', callId: rejected });
    expect(await a.next('callEnded', rejected)).toMatchObject({ reason: 'rejected', outcome: 'declined' });
    await b1.next('callEnded', rejected);

    const cancelled = invite();
    await b1.next('callIncoming', cancelled);
    a.send({ type: 'callCancel', callId: cancelled });
    expect(await b1.next('callEnded', cancelled)).toMatchObject({ reason: 'cancelled', outcome: 'cancelled' });

    const started = Date.now();
    const missed = invite({ video: false });
    await b1.next('callIncoming', missed);
    expect(await a.next('callEnded', missed)).toMatchObject({ reason: 'timeout', outcome: 'missed' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(RING_MS - 100);
    await b2.next('callEnded', missed);

    const records = await recordsOf(server.url, bob, conversationId, 3);
    expect(records.map((m) => [m.system!.call!.callId, m.system!.call!.outcome, m.system!.call!.video])).toEqual([
      [rejected, 'declined', true], [cancelled, 'cancelled', true], [missed, 'missed', false],
    ]);
    done();
  });

  it('K3: a callee already in a call is busy; the second caller hears busy and the callee a missed call', async () => {
    const { bob, a, b1, invite, done } = await pair();
    const carol = await register(server.url, 'carol');
    const withCarol = await directConversation(server.url, carol, bob);
    const c = await device(server, carol);
    const first = invite();
    await b1.next('callIncoming', first);
    b1.send({ type: 'callAccept', callId: first, peerToken: b1.peerToken });
    await a.next('callAccepted', first);
    const second = uuidv7();
    c.send({ type: 'callInvite', callId: second, conversationId: withCarol, calleeId: bob.user.id, video: false, peerToken: c.peerToken });
    expect(await c.next('callEnded', second)).toMatchObject({ reason: 'busy', outcome: 'missed' });
    expect(b1.seen.some((m) => m.type === 'callIncoming' && m.callId === second)).toBe(false);
    a.send({ type: 'callHangup', callId: first });
    await b1.next('callEnded', first);
    expect((await recordsOf(server.url, bob, withCarol, 1))[0]!.system!.call).toMatchObject({ callId: second, outcome: 'missed', callerId: carol.user.id });
    c.client.destroy();
    done();
  });

  it('K7, K9: bad input is refused with its code, has no effect on the call, and leaves the server up', async () => {
    const { alice, bob, conversationId, a, b1, b2, invite, done } = await pair();
    const mallory = await register(server.url, 'mallory');
    const m = await device(server, mallory);
    const group = await api<{ conversation: { id: string } }>(server.url, '/conversations', { token: alice.token, body: { type: 'group', title: 'G', memberIds: [bob.user.id] } });
    const refusal = async (d: Device, message: Record<string, unknown>) => {
      const callId = (message.callId as string | undefined) ?? uuidv7();
      d.send({ callId, ...message });
      const r = await d.next('callRefused', callId);
      d.seen.splice(d.seen.indexOf(r), 1);
      return r.code as string;
    };
    const inviteOf = (extra: Record<string, unknown>) => ({ type: 'callInvite', conversationId, calleeId: bob.user.id, video: true, peerToken: a.peerToken, ...extra });

    // Invites: to oneself, to a non-member, by a non-member, in a group, with someone else's peer token.
    expect(await refusal(a, inviteOf({ calleeId: alice.user.id }))).toBe('VALIDATION_FAILED');
    expect(await refusal(a, inviteOf({ calleeId: mallory.user.id }))).toBe('NOT_A_MEMBER');
    expect(await refusal(m, inviteOf({ peerToken: m.peerToken }))).toBe('NOT_A_MEMBER');
    expect(await refusal(a, inviteOf({ conversationId: group.body.conversation.id }))).toBe('NOT_ALLOWED');
    expect(await refusal(a, inviteOf({ peerToken: b1.peerToken }))).toBe('FORBIDDEN');
    expect(await refusal(a, inviteOf({ peerToken: 'forged.token.here' }))).toBe('AUTH_FAILED');

    const callId = invite();
    await b1.next('callIncoming', callId);
    // Someone else's call: mallory's accept and reject; the caller accepting their own call.
    expect(await refusal(m, { type: 'callAccept', callId, peerToken: m.peerToken })).toBe('FORBIDDEN');
    expect(await refusal(m, { type: 'callReject', callId })).toBe('FORBIDDEN');
    expect(await refusal(a, { type: 'callAccept', callId, peerToken: a.peerToken })).toBe('FORBIDDEN');
    // An accept with another device's peer token is not this user's device.
    expect(await refusal(b1, { type: 'callAccept', callId, peerToken: m.peerToken })).toBe('FORBIDDEN');
    expect(await refusal(a, inviteOf({ callId }))).toBe('DUPLICATE');
    // None of that touched the call: bob still answers it, and a second accept is refused.
    b1.send({ type: 'callAccept', callId, peerToken: b1.peerToken });
    await a.next('callAccepted', callId);
    expect(await refusal(b2, { type: 'callAccept', callId, peerToken: b2.peerToken })).toBe('CONFLICT');
    expect(await refusal(a, { type: 'callCancel', callId })).toBe('CONFLICT');
    expect(await refusal(a, { type: 'callHangup', callId: uuidv7() })).toBe('NOT_FOUND');
    a.send({ type: 'callHangup', callId });
    await b2.next('callEnded', callId);

    // A flood of invites: past the burst, RATE_LIMITED, and nobody is rung by the refused ones.
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push(await refusal(m, inviteOf({ peerToken: m.peerToken })));
    expect(codes).toContain('RATE_LIMITED');
    expect(codes.slice(-3)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);

    // Junk on the stateless channel is ignored and the server is up.
    a.send({ type: 'callInvite', callId: 'x' });
    a.client.user.provider.sendStateless('not json');
    expect((await api(server.url, '/health')).status).toBe(200);
    expect(await callMessages(server.url, alice, conversationId)).toHaveLength(1);
    m.client.destroy();
    done();
  });
}, { config: { callRingTimeoutMs: RING_MS, callInviteBurst: 8, callInvitesPerMinute: 6 } });

it('K1: TURN entries carry REST credentials that verify against TURN_SECRET; STUN entries none', async () => {
  const secret = 'coturn-static-auth-secret';
  const server = await startTestServer({ config: { turnUrls: ['stun:turn.example.test:3478', 'turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349'], turnSecret: secret, callCredentialsTtlSeconds: 600 } });
  try {
    const alice = await register(server.url, 'alice');
    const { body } = await api<{ iceServers: Array<{ urls: string; username?: string; credential?: string }> }>(server.url, '/calls/credentials', { method: 'POST', token: alice.token });
    expect(body.iceServers.map((s) => s.urls)).toEqual(['stun:turn.example.test:3478', 'turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349']);
    expect(body.iceServers[0]).toEqual({ urls: 'stun:turn.example.test:3478' });
    for (const entry of body.iceServers.slice(1)) {
      const [expiry, userId] = entry.username!.split(':');
      expect(userId).toBe(alice.user.id);
      expect(Number(expiry)).toBeGreaterThan(Date.now() / 1000 + 590);
      expect(Number(expiry)).toBeLessThanOrEqual(Date.now() / 1000 + 601);
      // What coturn computes with use-auth-secret / static-auth-secret.
      expect(entry.credential).toBe(createHmac('sha1', secret).update(entry.username!).digest('base64'));
      expect(entry.credential).not.toBe(createHmac('sha1', 'another secret').update(entry.username!).digest('base64'));
    }
  } finally {
    await server.stop();
  }
});

describe.skipIf(!process.env.TEST_MYSQL_URL)('calls across two instances through Redis [mysql]', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let database: TestDatabase;
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    one = await startTestServer({ database, config: { redisUrl, instanceName: `calls-one-${uuidv7()}` } });
    two = await startTestServer({ database, config: { redisUrl, instanceName: `calls-two-${uuidv7()}` } });
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await database?.drop();
  });

  it('K2, K4, K7, K8: the flow crosses instances: ring on both, answer on the other instance, refusals come back, one record', async () => {
    const [alice, bob, mallory] = [await register(one.url, 'alice'), await register(one.url, 'bob'), await register(two.url, 'mallory')];
    const conversationId = await directConversation(one.url, alice, bob);
    const a = await device(one, alice);
    const b1 = await device(one, bob);
    const b2 = await device(two, bob);
    const m = await device(two, mallory);
    const callId = uuidv7();
    a.send({ type: 'callInvite', callId, conversationId, calleeId: bob.user.id, video: false, peerToken: a.peerToken });
    await b1.next('callIncoming', callId);
    await b2.next('callIncoming', callId);
    // A device that connects to the other instance while it rings is rung there (K2).
    const late = await device(two, bob);
    expect((await late.next('callIncoming', callId)).peerId).toBe(a.peerId);
    // A forged accept on the other instance is refused there, by the owner's word.
    m.send({ type: 'callAccept', callId, peerToken: m.peerToken });
    expect((await m.next('callRefused', callId)).code).toBe('FORBIDDEN');
    b2.send({ type: 'callAccept', callId, peerToken: b2.peerToken });
    expect((await a.next('callAccepted', callId)).peerId).toBe(b2.peerId);
    expect((await b1.next('callAccepted', callId)).peerId).toBe(b2.peerId);
    b1.send({ type: 'callAccept', callId, peerToken: b1.peerToken });
    expect((await b1.next('callRefused', callId)).code).toBe('CONFLICT');
    b2.send({ type: 'callHangup', callId });
    expect(await a.next('callEnded', callId)).toMatchObject({ outcome: 'completed' });
    const records = await recordsOf(two.url, bob, conversationId, 1);
    expect(records.map((r) => r.system!.call!.callId)).toEqual([callId]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await callMessages(one.url, alice, conversationId)).toHaveLength(1);
    await late.next('callEnded', callId);
    for (const d of [a, b1, b2, m, late]) d.client.destroy();
  });
});
