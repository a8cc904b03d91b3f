import type { Browser, Page } from 'playwright-core';

/**
 * Drives the web app's calls through its UI, for the calls e2e test and the
 * calls bench: people signed in on their own browser contexts, the header's
 * call buttons, the incoming dialog, the call view's controls. Probes read
 * what the page plays: remote video frames (requestVideoFrameCallback) and the
 * RTCPeerConnection's ICE state and stats. Signalling is counted off the wire.
 */

/** Chromium's fake camera and microphone, granted without a prompt. */
export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

export const PASSWORD = 'correct horse battery';

/** The browser answers as when the user has blocked the camera for the site: video refused, the microphone still allowed. */
export const CAMERA_BLOCKED = `
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) =>
    constraints && constraints.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(constraints);
`;

export interface Person {
  username: string;
  displayName: string;
}

export interface Wire {
  /** Call steps sent and received on the sync connection (stateless `call*` messages). */
  sync: number;
  /** PeerJS signalling messages (offer, answer, candidates; heartbeats left out). */
  peer: number;
}

export interface CallPage {
  page: Page;
  wire: Wire;
}

/**
 * Counts every remote video frame the call view paints, and keeps the peer
 * connections the page opens. Plain JavaScript: it runs in the page before the app.
 */
const PROBE = `
  window.__pcs = [];
  window.__frames = 0;
  window.__firstFrame = null;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
  const seen = new WeakSet();
  const watch = () => {
    const video = document.querySelector('video.call-remote');
    if (video && video.srcObject && !seen.has(video)) {
      seen.add(video);
      const onFrame = () => {
        window.__frames++;
        window.__firstFrame ??= performance.now();
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
    setTimeout(watch, 20);
  };
  watch();
`;

/** `before`: more script to run in the page before the app (the permissions test refuses the camera there). */
export async function openAs(browser: Browser, url: string, who: Person, options: { before?: string } = {}): Promise<CallPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'en-US' });
  await context.addInitScript({ content: PROBE + (options.before ?? '') });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const wire: Wire = { sync: 0, peer: 0 };
  page.on('websocket', (ws) => {
    const isPeer = ws.url().includes('/peer');
    const count = ({ payload }: { payload: string | Buffer }) => {
      const text = typeof payload === 'string' ? payload : payload.toString('latin1');
      if (isPeer) {
        if (!text.includes('"HEARTBEAT"') && /"type":"(OFFER|ANSWER|CANDIDATE|LEAVE|EXPIRE)"/.test(text)) wire.peer++;
      } else if (/"type":"call[A-Z]/.test(text)) wire.sync++;
    };
    ws.on('framesent', count);
    ws.on('framereceived', count);
  });
  await page.goto(url);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('complementary', { name: 'Conversations' }).waitFor();
  return { page, wire };
}

export async function openChat(page: Page, title: string): Promise<void> {
  await page.locator('.conversation', { hasText: title }).first().click();
  await page.locator('section.pane.messages .pane-title h2', { hasText: title }).waitFor();
}

export const incomingDialog = (page: Page) => page.getByRole('alertdialog');
export const callView = (page: Page) => page.locator('.call-view');

/** Clicks a header call button of the open chat. */
export async function placeCall(page: Page, video: boolean): Promise<void> {
  await page.locator('section.pane.messages .pane-header').getByRole('button', { name: video ? 'Video call' : 'Voice call', exact: true }).click();
}

/** Remote video frames painted so far, and when the first one was (performance.now()). */
export const frames = (page: Page) => page.evaluate(() => (window as unknown as { __frames: number }).__frames);
export const firstFrameAt = (page: Page) => page.evaluate(() => (window as unknown as { __firstFrame: number | null }).__firstFrame);
export const now = (page: Page) => page.evaluate(() => performance.now());

/** The live peer connection's ICE state and its inbound RTP counters (video frames decoded, audio packets). */
export async function mediaStats(page: Page): Promise<{ ice: string; framesDecoded: number; audioPackets: number }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    const pc = pcs.at(-1);
    if (!pc) return { ice: 'none', framesDecoded: 0, audioPackets: 0 };
    let framesDecoded = 0;
    let audioPackets = 0;
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') framesDecoded += Number(s.framesDecoded ?? 0);
      if (s.kind === 'audio') audioPackets += Number(s.packetsReceived ?? 0);
    });
    return { ice: pc.iceConnectionState, framesDecoded, audioPackets };
  });
}

/** The kinds and states of the tracks the call view plays. */
export const remoteTracks = (page: Page) =>
  page.evaluate(() => {
    const stream = document.querySelector<HTMLVideoElement>('video.call-remote')?.srcObject as MediaStream | null;
    return (stream?.getTracks() ?? []).map((t) => `${t.kind}:${t.readyState}`).sort();
  });
