import type { MediaConnection, Peer as PeerType } from 'peerjs';
import { ParleyError, type CallEndReason, type CallOutcome, type StatelessMessage, type StatelessOf } from '@parley/schema';
import { uuidv7 } from '../ids.ts';
import { Emitter } from '../events.ts';
import type { Logger } from '../config.ts';

/**
 * The calls part of the SDK (docs/sdk.md, "Calls"): one-to-one voice and video
 * over PeerJS, signalled on the sync connection (docs/protocol.md, K1–K9).
 * PeerJS stays in here; an app sees calls, streams and events.
 */

export type CallState = 'idle' | 'outgoing' | 'incoming' | 'connecting' | 'active' | 'reconnecting' | 'ended';

export interface CallInfo {
  id: string;
  conversationId: string;
  /** The other person. */
  peerUserId: string;
  direction: 'outgoing' | 'incoming';
  video: boolean;
  state: CallState;
  /** When the call was answered (ms since epoch). */
  answeredAt: number | null;
}

export interface IncomingCall {
  id: string;
  conversationId: string;
  callerId: string;
  video: boolean;
}

export interface CallEnd {
  callId: string;
  reason: CallEndReason | 'answeredElsewhere';
  outcome: CallOutcome | null;
  durationMs?: number;
}

export interface CallQuality {
  level: 'good' | 'fair' | 'poor';
  rttMs: number | null;
  /** Of the packets received since the last sample. */
  lossRatio: number | null;
}

export interface RemoteMediaState {
  muted: boolean;
  cameraOff: boolean;
}

export interface CallEvents {
  incoming: (call: IncomingCall) => void;
  /** The callee's device rings (an outgoing call). */
  ringing: (callId: string) => void;
  state: (state: CallState, call: CallInfo) => void;
  localStream: (stream: MediaStream) => void;
  remoteStream: (stream: MediaStream) => void;
  /** The other side's mute and camera toggles. */
  remoteMedia: (state: RemoteMediaState) => void;
  quality: (quality: CallQuality) => void;
  ended: (end: CallEnd) => void;
  error: (error: ParleyError) => void;
}

export interface CallsDeps {
  userId: string;
  /** Sends one stateless message on the user document's connection. */
  send(message: StatelessMessage): void;
  credentials(): Promise<{ peerId: string; peerToken: string; expiresAt: number; iceServers: RTCIceServer[] }>;
  /** The other member of a direct conversation. */
  otherMember(conversationId: string): Promise<string>;
  /** Where PeerJS signalling lives (the media-server, or the one origin that proxies /peer). */
  signallingUrl: string;
  logger: Logger;
  /** For tests and other runtimes; default navigator.mediaDevices. */
  mediaDevices?: MediaDevices;
  /** Default: the `peerjs` package, loaded on first use. */
  loadPeer?: () => Promise<typeof PeerType>;
}

export interface DeviceChoice {
  audioInput?: string;
  videoInput?: string;
}

interface Live {
  info: CallInfo;
  local: MediaStream | null;
  peer: PeerType | null;
  peerId: string | null;
  media: MediaConnection | null;
  remotePeerId: string | null;
  redialed: boolean;
  muted: boolean;
  cameraOff: boolean;
  stats: ReturnType<typeof setInterval> | null;
  lastStats: { received: number; lost: number } | null;
}

const STATS_MS = 2000;

export class Calls extends Emitter<CallEvents> {
  private live: Live | null = null;
  private incoming = new Map<string, IncomingCall & { peerId: string }>();
  private devices: DeviceChoice = {};
  /** The origin PeerJS connects to at `/peer`: by default the server URL (its web server proxies /peer); set it for a separate media-server. */
  signallingUrl: string;

  constructor(private readonly deps: CallsDeps) {
    super();
    this.signallingUrl = deps.signallingUrl;
    this.onListenerError = (e) => deps.logger.warn('a calls listener threw', e);
  }

  /** The call in progress, if any. */
  get current(): CallInfo | null {
    return this.live ? { ...this.live.info } : null;
  }

  /** Calls the other member of a direct conversation. Rejects with MEDIA_DENIED when the camera or microphone is refused. */
  async call(conversationId: string, options: { video: boolean }): Promise<CallInfo> {
    if (this.live) throw new ParleyError('CONFLICT', 'already in a call');
    const peerUserId = await this.deps.otherMember(conversationId);
    const info: CallInfo = { id: uuidv7(), conversationId, peerUserId, direction: 'outgoing', video: options.video, state: 'outgoing', answeredAt: null };
    const live = this.begin(info);
    try {
      live.local = await this.media(options.video);
      this.emit('localStream', live.local);
      const token = await this.openPeer(live);
      this.deps.send({ type: 'callInvite', callId: info.id, conversationId, calleeId: peerUserId, video: options.video, peerToken: token });
      this.setState('outgoing');
      return { ...info };
    } catch (e) {
      this.cleanup();
      throw e;
    }
  }

  /** Answers an incoming call on this device; the callee's other devices stop ringing. */
  async accept(callId: string, options: { video?: boolean } = {}): Promise<CallInfo> {
    const invite = this.incoming.get(callId);
    if (!invite) throw new ParleyError('NOT_FOUND', 'no such incoming call');
    if (this.live) throw new ParleyError('CONFLICT', 'already in a call');
    this.incoming.delete(callId);
    const video = options.video ?? invite.video;
    const info: CallInfo = { id: callId, conversationId: invite.conversationId, peerUserId: invite.callerId, direction: 'incoming', video, state: 'connecting', answeredAt: null };
    const live = this.begin(info);
    live.remotePeerId = invite.peerId;
    try {
      live.local = await this.media(video);
      this.emit('localStream', live.local);
      const token = await this.openPeer(live);
      this.deps.send({ type: 'callAccept', callId, peerToken: token });
      this.setState('connecting');
      return { ...info };
    } catch (e) {
      this.deps.send({ type: 'callHangup', callId, failed: true });
      this.cleanup();
      throw e;
    }
  }

  reject(callId: string): void {
    if (!this.incoming.delete(callId)) return;
    this.deps.send({ type: 'callReject', callId });
  }

  /**
   * Ends the current call. One step for every state: the server reads a hang-up
   * before an answer as the caller's cancel (rule K5), so a hang-up that races
   * the callee's accept still ends the call.
   */
  hangUp(): void {
    const live = this.live;
    if (!live) return;
    this.deps.send({ type: 'callHangup', callId: live.info.id });
  }

  setMuted(muted: boolean): void {
    const live = this.live;
    if (!live) return;
    live.muted = muted;
    for (const track of live.local?.getAudioTracks() ?? []) track.enabled = !muted;
    this.sendMedia(live);
  }

  setCameraOff(cameraOff: boolean): void {
    const live = this.live;
    if (!live) return;
    live.cameraOff = cameraOff;
    for (const track of live.local?.getVideoTracks() ?? []) track.enabled = !cameraOff;
    this.sendMedia(live);
  }

  async listDevices(): Promise<MediaDeviceInfo[]> {
    return (await this.mediaDevices().enumerateDevices()).filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput' || d.kind === 'audiooutput');
  }

  /** Picks the microphone and camera; during a call the new tracks replace the old ones without re-dialling. */
  async chooseDevices(choice: DeviceChoice): Promise<void> {
    this.devices = { ...this.devices, ...choice };
    const live = this.live;
    if (!live?.local) return;
    const fresh = await this.media(live.info.video);
    const pc = live.media?.peerConnection;
    for (const track of fresh.getTracks()) {
      const sender = pc?.getSenders().find((s) => s.track?.kind === track.kind);
      await sender?.replaceTrack(track);
    }
    for (const track of live.local.getTracks()) track.stop();
    live.local = fresh;
    this.setMuted(live.muted);
    this.setCameraOff(live.cameraOff);
    this.emit('localStream', fresh);
  }

  /** Called by the client with every stateless message of the user document. */
  handle(message: StatelessMessage): boolean {
    switch (message.type) {
      case 'callIncoming': return this.onIncoming(message), true;
      case 'callRinging':
        if (this.live?.info.id === message.callId) this.emit('ringing', message.callId);
        return true;
      case 'callAccepted': return this.onAccepted(message), true;
      case 'callMedia':
        if (this.live?.info.id === message.callId) this.emit('remoteMedia', { muted: message.muted, cameraOff: message.cameraOff });
        return true;
      case 'callEnded': return this.onEnded(message), true;
      case 'callRefused':
        if (this.live?.info.id === message.callId || this.incoming.has(message.callId)) {
          this.emit('error', new ParleyError(message.code, message.message));
          if (this.live?.info.id === message.callId && (message.step === 'callInvite' || message.step === 'callAccept')) this.finish({ callId: message.callId, reason: 'failed', outcome: null });
        }
        return true;
      default: return false;
    }
  }

  destroy(): void {
    if (this.live) this.hangUp();
    this.cleanup();
    this.incoming.clear();
    this.removeAllListeners();
  }

  private onIncoming(m: StatelessOf<'callIncoming'>) {
    // A device that reconnects while the call rings hears the invite again (K2).
    if (this.incoming.has(m.callId) || this.live?.info.id === m.callId) return;
    if (this.live) {
      // This device is in a call; the server only rings a free user, so this is another device's state.
      this.deps.send({ type: 'callBusy', callId: m.callId });
      return;
    }
    this.incoming.set(m.callId, { id: m.callId, conversationId: m.conversationId, callerId: m.callerId, video: m.video, peerId: m.peerId });
    this.deps.send({ type: 'callRinging', callId: m.callId });
    this.emit('incoming', { id: m.callId, conversationId: m.conversationId, callerId: m.callerId, video: m.video });
  }

  private onAccepted(m: StatelessOf<'callAccepted'>) {
    if (this.incoming.delete(m.callId)) {
      // Rule K4: answered on another device: this one stops ringing.
      this.emit('ended', { callId: m.callId, reason: 'answeredElsewhere', outcome: null });
      return;
    }
    const live = this.live;
    if (!live || live.info.id !== m.callId) return;
    if (live.info.direction === 'outgoing') {
      live.remotePeerId = m.peerId;
      live.info.answeredAt = Date.now();
      this.setState('connecting');
      this.dial(live);
    } else if (m.peerId === live.peerId) {
      live.info.answeredAt = Date.now();
    }
  }

  private onEnded(m: StatelessOf<'callEnded'>) {
    if (this.incoming.delete(m.callId)) {
      this.emit('ended', { callId: m.callId, reason: m.reason, outcome: m.outcome, ...(m.durationMs !== undefined ? { durationMs: m.durationMs } : {}) });
      return;
    }
    if (this.live?.info.id !== m.callId) return;
    this.finish({ callId: m.callId, reason: m.reason, outcome: m.outcome, ...(m.durationMs !== undefined ? { durationMs: m.durationMs } : {}) });
  }

  private begin(info: CallInfo): Live {
    this.live = { info, local: null, peer: null, peerId: null, media: null, remotePeerId: null, redialed: false, muted: false, cameraOff: false, stats: null, lastStats: null };
    this.emit('state', info.state, { ...info });
    return this.live;
  }

  private setState(state: CallState) {
    const live = this.live;
    if (!live || live.info.state === state) return;
    live.info.state = state;
    this.emit('state', state, { ...live.info });
  }

  private mediaDevices(): MediaDevices {
    const devices = this.deps.mediaDevices ?? globalThis.navigator?.mediaDevices;
    if (!devices) throw new ParleyError('MEDIA_DENIED', 'this runtime has no camera or microphone access');
    return devices;
  }

  /** Permissions: a refused camera or microphone is MEDIA_DENIED, and the app may retry with `video: false`. */
  private async media(video: boolean): Promise<MediaStream> {
    const { audioInput, videoInput } = this.devices;
    try {
      return await this.mediaDevices().getUserMedia({
        audio: audioInput ? { deviceId: { exact: audioInput } } : true,
        video: video ? (videoInput ? { deviceId: { exact: videoInput } } : true) : false,
      });
    } catch (e) {
      if (e instanceof ParleyError) throw e;
      const name = (e as { name?: string })?.name ?? '';
      throw new ParleyError('MEDIA_DENIED', name === 'NotAllowedError' || name === 'SecurityError'
        ? (video ? 'camera or microphone access was denied; try a voice call' : 'microphone access was denied')
        : `no usable ${video ? 'camera or microphone' : 'microphone'} (${name || String(e)})`);
    }
  }

  /** A PeerJS peer on Parley's signalling with a fresh peer id and token; never the PeerJS cloud. */
  private async openPeer(live: Live): Promise<string> {
    const [creds, Peer] = await Promise.all([this.deps.credentials(), (this.deps.loadPeer ?? loadPeerJs)()]);
    const url = new URL(this.signallingUrl);
    const secure = url.protocol === 'https:' || url.protocol === 'wss:';
    const peer = new Peer(creds.peerId, {
      host: url.hostname,
      port: Number(url.port || (secure ? 443 : 80)),
      path: '/peer',
      key: 'peerjs',
      secure,
      token: creds.peerToken,
      config: { iceServers: creds.iceServers },
      debug: 0,
    });
    live.peer = peer;
    live.peerId = creds.peerId;
    peer.on('error', (e) => this.onPeerError(live, e));
    peer.on('call', (media) => this.onPeerCall(live, media));
    await new Promise<void>((resolve, reject) => {
      peer.once('open', () => resolve());
      peer.once('error', (e) => reject(new ParleyError('CONNECTION_FAILED', `signalling refused: ${e.type}`)));
    });
    return creds.peerToken;
  }

  /** The caller dials the device that answered. */
  private dial(live: Live) {
    if (!live.peer || !live.local || !live.remotePeerId) return;
    const media = live.peer.call(live.remotePeerId, live.local, { metadata: { callId: live.info.id } });
    this.watch(live, media);
  }

  /** The callee answers only the call it accepted, from the caller's peer. */
  private onPeerCall(live: Live, media: MediaConnection) {
    const metadata = media.metadata as { callId?: unknown } | undefined;
    if (this.live !== live || metadata?.callId !== live.info.id || media.peer !== live.remotePeerId || !live.local) {
      media.close();
      return;
    }
    media.answer(live.local);
    this.watch(live, media);
  }

  private watch(live: Live, media: MediaConnection) {
    guardCandidates(media);
    live.media?.close();
    live.media = media;
    media.on('stream', (stream) => {
      if (this.live !== live || live.media !== media) return;
      this.emit('remoteStream', stream);
      this.setState('active');
      this.startStats(live);
    });
    media.on('error', (e) => this.deps.logger.debug('media connection error', e));
    media.on('close', () => {
      if (this.live === live && live.media === media) this.connectionLost(live);
    });
    media.on('iceStateChanged', (state) => {
      if (this.live !== live || live.media !== media) return;
      if (state === 'failed') this.connectionLost(live);
      else if (state === 'disconnected') this.setState('reconnecting');
      else if (state === 'connected' || state === 'completed') {
        if (live.info.state === 'reconnecting') this.setState('active');
      }
    });
  }

  /**
   * PeerJS does not restart ICE: a failed connection is re-dialled once by the
   * caller (the callee waits for it); a second failure ends the call as failed.
   */
  private connectionLost(live: Live) {
    if (!live.redialed && live.info.answeredAt !== null) {
      live.redialed = true;
      this.setState('reconnecting');
      const old = live.media;
      live.media = null;
      old?.close();
      if (live.info.direction === 'outgoing') this.dial(live);
      else {
        const timer = setTimeout(() => {
          if (this.live === live && !live.media) this.failCall(live);
        }, 15_000);
        (timer as { unref?: () => void }).unref?.();
      }
      return;
    }
    this.failCall(live);
  }

  private failCall(live: Live) {
    this.deps.send({ type: 'callHangup', callId: live.info.id, failed: true });
  }

  private onPeerError(live: Live, error: { type?: string; message?: string }) {
    this.deps.logger.debug('peer error', error);
    if (this.live !== live) return;
    // A dial that could not reach the other peer counts as a failed connection.
    if (error.type === 'peer-unavailable' || error.type === 'webrtc' || error.type === 'network') {
      if (live.info.answeredAt !== null && live.media) this.connectionLost(live);
    }
  }

  private sendMedia(live: Live) {
    if (live.info.state === 'outgoing' || live.info.state === 'incoming') return;
    this.deps.send({ type: 'callMedia', callId: live.info.id, muted: live.muted, cameraOff: live.cameraOff });
  }

  private startStats(live: Live) {
    if (live.stats) return;
    live.stats = setInterval(() => {
      const pc = live.media?.peerConnection;
      if (!pc || this.live !== live) return;
      pc.getStats().then((report) => this.emit('quality', quality(report, live)), () => undefined);
    }, STATS_MS);
  }

  private finish(end: CallEnd) {
    const live = this.live;
    if (!live) return;
    live.info.state = 'ended';
    this.emit('state', 'ended', { ...live.info });
    this.cleanup();
    this.emit('ended', end);
  }

  private cleanup() {
    const live = this.live;
    this.live = null;
    if (!live) return;
    if (live.stats) clearInterval(live.stats);
    try {
      live.media?.close();
    } catch (e) {
      this.deps.logger.debug('closing the media connection', e);
    }
    for (const track of live.local?.getTracks() ?? []) track.stop();
    try {
      live.peer?.destroy();
    } catch (e) {
      this.deps.logger.debug('closing the peer', e);
    }
  }
}

/** The other member of a direct conversation; calls are one-to-one. */
export async function otherMember(conversation: Promise<{ type: string; members: Array<{ id: string }> }>, me: string): Promise<string> {
  const c = await conversation;
  const other = c.members.find((m) => m.id !== me);
  if (c.type !== 'direct' || !other) throw new ParleyError('NOT_ALLOWED', 'calls are one-to-one, in direct conversations');
  return other.id;
}

async function loadPeerJs(): Promise<typeof PeerType> {
  return (await import('peerjs')).Peer;
}

/**
 * PeerJS's known throw: an ICE candidate that arrives while a call closes
 * fails in addIceCandidate, and PeerJS's error path then reads the provider it
 * has just cleared — an unhandled rejection. The candidate no longer matters.
 */
function guardCandidates(media: MediaConnection) {
  const negotiator = (media as unknown as { _negotiator?: { handleCandidate?: (ice: RTCIceCandidate) => Promise<void> } })._negotiator;
  const original = negotiator?.handleCandidate?.bind(negotiator);
  if (!negotiator || !original) return;
  negotiator.handleCandidate = (ice) => original(ice).catch(() => undefined);
}

function quality(report: RTCStatsReport, live: Live): CallQuality {
  let rttMs: number | null = null;
  let received = 0;
  let lost = 0;
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === 'candidate-pair' && s.state === 'succeeded' && typeof s.currentRoundTripTime === 'number') rttMs = Math.round(s.currentRoundTripTime * 1000);
    if (s.type === 'inbound-rtp') {
      received += Number(s.packetsReceived ?? 0);
      lost += Number(s.packetsLost ?? 0);
    }
  });
  const prior = live.lastStats;
  live.lastStats = { received, lost };
  const dReceived = prior ? received - prior.received : received;
  const dLost = prior ? lost - prior.lost : lost;
  const lossRatio = dReceived + dLost > 0 ? Math.max(0, dLost) / (dReceived + Math.max(0, dLost)) : null;
  const rtt = rttMs as number | null;
  const level = (lossRatio ?? 0) > 0.08 || (rtt ?? 0) > 400 ? 'poor' : (lossRatio ?? 0) > 0.02 || (rtt ?? 0) > 200 ? 'fair' : 'good';
  return { level, rttMs: rtt, lossRatio };
}
