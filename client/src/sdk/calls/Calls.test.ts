import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { StatelessMessage } from '@parley/schema';
import { Calls, type CallsDeps } from './Calls.ts';

/**
 * The calls part against stand-ins for the browser's media devices and for
 * PeerJS (the real ones run in client/test/e2e/calls.e2e.test.ts): the
 * re-dial after a failed connection, permissions, and other devices' answers.
 */

class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(readonly kind: 'audio' | 'video') {}
  stop() {
    this.stopped = true;
  }
}

class FakeStream {
  readonly tracks: FakeTrack[];
  constructor(video: boolean) {
    this.tracks = [new FakeTrack('audio'), ...(video ? [new FakeTrack('video')] : [])];
  }
  getTracks() {
    return this.tracks;
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
}

class FakeMedia extends EventEmitter {
  closed = false;
  readonly metadata: unknown;
  /** As PeerJS's negotiator: a candidate arriving after close rejects. */
  readonly _negotiator = { handleCandidate: async () => Promise.reject(new TypeError("Cannot read properties of null (reading 'emitError')")) };
  constructor(readonly peer: string, metadata?: unknown) {
    super();
    this.metadata = metadata;
  }
  answer() {}
  close() {
    this.closed = true;
  }
}

class FakePeer extends EventEmitter {
  static last: FakePeer | null = null;
  readonly dialled: FakeMedia[] = [];
  destroyed = false;
  constructor(readonly id: string, readonly options: Record<string, unknown>) {
    super();
    FakePeer.last = this;
    setTimeout(() => this.emit('open', id), 0);
  }
  call(peer: string, _stream: unknown, options: { metadata: unknown }) {
    const media = new FakeMedia(peer, options.metadata);
    this.dialled.push(media);
    return media;
  }
  destroy() {
    this.destroyed = true;
  }
}

function setup(options: { deny?: string } = {}) {
  const sent: StatelessMessage[] = [];
  let n = 0;
  const deps: CallsDeps = {
    userId: 'me',
    send: (m) => sent.push(m),
    credentials: async () => ({ peerId: `p-me-${++n}`, peerToken: `t${n}`, expiresAt: Date.now() + 60_000, iceServers: [{ urls: 'turn:turn.test:3478', username: 'u', credential: 'c' }] }),
    otherMember: async () => 'them',
    signallingUrl: 'https://chat.example.test',
    logger: { error() {}, warn() {}, info() {}, debug() {} },
    mediaDevices: {
      getUserMedia: async (c: MediaStreamConstraints) => {
        if (options.deny) throw Object.assign(new Error('denied'), { name: options.deny });
        return new FakeStream(Boolean(c.video)) as unknown as MediaStream;
      },
      enumerateDevices: async () => [],
    } as unknown as MediaDevices,
    loadPeer: async () => FakePeer as never,
  };
  const calls = new Calls(deps);
  const events: Array<[string, unknown]> = [];
  for (const e of ['incoming', 'state', 'remoteStream', 'ended', 'error', 'remoteMedia'] as const) calls.on(e, ((v: unknown) => events.push([e, v])) as never);
  return { calls, sent, events };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('calls part of the SDK', () => {
  it('dials Parley\'s signalling with its own ICE servers, answers go active, and a failed connection is re-dialled once, then ends as failed', async () => {
    const { calls, sent, events } = setup();
    const info = await calls.call('c1', { video: true });
    const peer = FakePeer.last!;
    expect(peer.options).toMatchObject({ host: 'chat.example.test', port: 443, secure: true, path: '/peer', key: 'peerjs', token: 't1', config: { iceServers: [{ urls: 'turn:turn.test:3478', username: 'u', credential: 'c' }] } });
    expect(sent[0]).toMatchObject({ type: 'callInvite', callId: info.id, conversationId: 'c1', calleeId: 'them', video: true, peerToken: 't1' });

    calls.handle({ type: 'callAccepted', callId: info.id, peerId: 'p-them' });
    expect(peer.dialled.map((m) => [m.peer, m.metadata])).toEqual([['p-them', { callId: info.id }]]);
    peer.dialled[0]!.emit('stream', new FakeStream(true));
    expect(calls.current?.state).toBe('active');

    // Mute and camera reach the peer through the server.
    calls.setMuted(true);
    expect(sent.at(-1)).toEqual({ type: 'callMedia', callId: info.id, muted: true, cameraOff: false });

    peer.dialled[0]!.emit('iceStateChanged', 'failed');
    expect(calls.current?.state).toBe('reconnecting');
    expect(peer.dialled).toHaveLength(2);
    expect(peer.dialled[0]!.closed).toBe(true);
    expect(sent.some((m) => m.type === 'callHangup')).toBe(false);
    peer.dialled[1]!.emit('iceStateChanged', 'failed');
    expect(sent.at(-1)).toEqual({ type: 'callHangup', callId: info.id, failed: true });

    calls.handle({ type: 'callEnded', callId: info.id, reason: 'failed', outcome: 'failed', durationMs: 10 });
    expect(events.at(-1)).toEqual(['ended', { callId: info.id, reason: 'failed', outcome: 'failed', durationMs: 10 }]);
    expect(calls.current).toBeNull();
    expect(peer.destroyed).toBe(true);
  });

  it('a candidate that lands while the call closes rejects inside PeerJS: swallowed, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { calls } = setup();
      const info = await calls.call('c1', { video: false });
      calls.handle({ type: 'callAccepted', callId: info.id, peerId: 'p-them' });
      const media = FakePeer.last!.dialled[0]!;
      calls.handle({ type: 'callEnded', callId: info.id, reason: 'hangup', outcome: 'completed', durationMs: 5 });
      void media._negotiator.handleCandidate();
      await tick();
      await tick();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('K5: hang-up before an answer is one callHangup (the server counts it as a cancel), so it cannot lose a race with accept', async () => {
    const { calls, sent } = setup();
    const info = await calls.call('c1', { video: false });
    calls.hangUp();
    expect(sent.at(-1)).toEqual({ type: 'callHangup', callId: info.id });
    calls.handle({ type: 'callEnded', callId: info.id, reason: 'cancelled', outcome: 'cancelled' });
    expect(calls.current).toBeNull();
  });

  it('a refused camera is MEDIA_DENIED with a hint to call by voice, and nothing is sent', async () => {
    const { calls, sent } = setup({ deny: 'NotAllowedError' });
    await expect(calls.call('c1', { video: true })).rejects.toMatchObject({ code: 'MEDIA_DENIED', message: expect.stringContaining('voice') });
    expect(sent).toEqual([]);
    expect(calls.current).toBeNull();
  });

  it('an incoming call rings (callRinging), and stops ringing when another device answers', async () => {
    const { calls, sent, events } = setup();
    const callId = '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001';
    calls.handle({ type: 'callIncoming', callId, conversationId: 'c1', callerId: 'them', video: true, peerId: 'p-them' });
    expect(events[0]).toEqual(['incoming', { id: callId, conversationId: 'c1', callerId: 'them', video: true }]);
    expect(sent).toEqual([{ type: 'callRinging', callId }]);
    // The invite heard again after a reconnect (K2) rings once.
    calls.handle({ type: 'callIncoming', callId, conversationId: 'c1', callerId: 'them', video: true, peerId: 'p-them' });
    expect(events.filter(([name]) => name === 'incoming')).toHaveLength(1);
    expect(sent).toHaveLength(1);
    calls.handle({ type: 'callAccepted', callId, peerId: 'p-other-device' });
    expect(events.at(-1)).toEqual(['ended', { callId, reason: 'answeredElsewhere', outcome: null }]);
    await expect(calls.accept(callId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the callee answers only the caller\'s dial for the accepted call', async () => {
    const { calls, sent } = setup();
    const callId = '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0002';
    calls.handle({ type: 'callIncoming', callId, conversationId: 'c1', callerId: 'them', video: false, peerId: 'p-them' });
    await calls.accept(callId);
    expect(sent.at(-1)).toEqual({ type: 'callAccept', callId, peerToken: 't1' });
    const peer = FakePeer.last!;
    const stranger = new FakeMedia('p-stranger', { callId });
    peer.emit('call', stranger);
    expect(stranger.closed).toBe(true);
    const caller = new FakeMedia('p-them', { callId });
    peer.emit('call', caller);
    expect(caller.closed).toBe(false);
    caller.emit('stream', new FakeStream(false));
    expect(calls.current?.state).toBe('active');
  });
});
