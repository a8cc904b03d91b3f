import { ParleyClient } from '../../src/sdk/index.ts';

/**
 * The tiny page of the calls e2e test: the SDK's calls part alone, no web app.
 * The test drives it through `window.parley`.
 */
interface Setup {
  serverUrl: string;
  signallingUrl: string;
  token: string;
  userId: string;
}

const log: Array<[string, unknown]> = [];
const marks: Record<string, number> = {};
let frames = 0;

async function start(setup: Setup) {
  const client = new ParleyClient({ serverUrl: setup.serverUrl, token: setup.token, userId: setup.userId, storage: 'memory', broadcastChannel: false });
  client.calls.signallingUrl = setup.signallingUrl;
  const { calls } = client;
  calls.on('incoming', (c) => log.push(['incoming', c]));
  calls.on('ringing', (id) => log.push(['ringing', id]));
  calls.on('state', (s) => {
    log.push(['state', s]);
    // The caller learns of the answer here.
    if (s === 'connecting') marks.connecting ??= performance.now();
  });
  calls.on('remoteMedia', (m) => log.push(['remoteMedia', m]));
  calls.on('ended', (e) => log.push(['ended', e]));
  calls.on('error', (e) => log.push(['error', e.code]));
  calls.on('remoteStream', (stream) => {
    const video = document.querySelector('video') ?? document.body.appendChild(document.createElement('video'));
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.srcObject = stream;
    const onFrame = () => {
      frames++;
      marks.firstFrame ??= performance.now();
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    void video.play().catch(() => undefined);
    log.push(['remoteStream', stream.getTracks().map((t) => t.kind).sort()]);
  });
  await client.connect();
  await client.whenSynced();
  return client;
}

let client: ParleyClient | null = null;
const unhandled: string[] = [];
window.addEventListener('unhandledrejection', (e) => unhandled.push(String((e.reason as Error)?.message ?? e.reason)));

Object.assign(window, {
  parley: {
    log, marks, unhandled,
    frames: () => frames,
    async start(setup: Setup) {
      client = await start(setup);
    },
    async call(conversationId: string) {
      marks.call = performance.now();
      return (await client!.calls.call(conversationId, { video: true })).id;
    },
    async accept(callId: string) {
      marks.accept = performance.now();
      await client!.calls.accept(callId);
    },
    mute: (muted: boolean) => client!.calls.setMuted(muted),
    camera: (off: boolean) => client!.calls.setCameraOff(off),
    hangUp: () => client!.calls.hangUp(),
    iceState: () => (client!.calls as unknown as { live: { media: { peerConnection: RTCPeerConnection } | null } | null }).live?.media?.peerConnection.iceConnectionState ?? null,
  },
});
