import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AuthResponse } from '@parley/schema';
import { api, directConversation } from '../sync-server/test/clients.ts';
import { CHROMIUM, launchBrowser } from '../client/test/e2e/browser.ts';
import { callView, FAKE_MEDIA_ARGS, firstFrameAt, incomingDialog, now, openAs, openChat, PASSWORD, placeCall, type CallPage } from '../client/test/e2e/calls-ui.ts';
import { startSystem } from '../client/test/e2e/system.ts';
import { cleanupAll, onCleanup } from './cleanup.ts';
import { printTable, type Table } from './report.ts';
import { distribution, ms, type Distribution } from './stats.ts';

/**
 * Calls, driven through the web app's UI as the calls e2e test drives it: the
 * whole system as `npm start` runs it, two people in Chromium with fake
 * camera and microphone on loopback (no TURN). Per video call: the callee's
 * click on "Accept with video" until the first remote frame it paints, the
 * same on the caller from the moment its view says the call connects, and the
 * signalling each call costs on the wire of both browsers.
 */

export interface CallsResult {
  calls: number;
  /** Callee: accept click → first remote video frame painted. */
  acceptToFrame: Distribution;
  /** Caller: the same call, from its click on "Video call" to its first remote frame. */
  dialToFrame: Distribution;
  /** Stateless call steps on the sync connections, both sides, per call (sent + received). */
  syncMessages: Distribution;
  /** PeerJS messages on /peer (offer, answer, candidates), both sides, per call. */
  peerMessages: Distribution;
}

const resetFrame = (p: CallPage) => p.page.evaluate(() => ((window as unknown as { __firstFrame: number | null }).__firstFrame = null));

export { CHROMIUM };

/** Null when there is no Chromium to drive. */
export async function callsBench(options: { calls: number }): Promise<CallsResult | null> {
  if (!fs.existsSync(CHROMIUM)) return null;
  const system = await startSystem();
  const stopSystem = onCleanup('calls bench system', async () => void (await system.stop()));
  const browser = await launchBrowser(FAKE_MEDIA_ARGS);
  const closeBrowser = onCleanup('calls bench browser', () => browser.close());
  try {
    const run = Date.now().toString(36).slice(-5);
    const people = { alice: { username: `bc_al_${run}`, displayName: 'Alice' }, bob: { username: `bc_bo_${run}`, displayName: 'Bob' } };
    const auth: AuthResponse[] = [];
    for (const who of Object.values(people)) auth.push((await api<AuthResponse>(system.url, '/auth/register', { body: { ...who, password: PASSWORD } })).body);
    await directConversation(system.url, auth[0]!, auth[1]!);
    const a = await openAs(browser, system.url, people.alice);
    const b = await openAs(browser, system.url, people.bob);
    await openChat(a.page, people.bob.displayName);
    await openChat(b.page, people.alice.displayName);

    const samples = { acceptToFrame: [] as number[], dialToFrame: [] as number[], sync: [] as number[], peer: [] as number[] };
    for (let i = 0; i < options.calls; i++) {
      await Promise.all([resetFrame(a), resetFrame(b)]);
      const before = { sync: a.wire.sync + b.wire.sync, peer: a.wire.peer + b.wire.peer };
      const dialedAt = await now(a.page);
      await placeCall(a.page, true);
      const accept = incomingDialog(b.page).getByRole('button', { name: 'Accept with video' });
      await accept.waitFor();
      const acceptedAt = await now(b.page);
      await accept.click();
      for (const p of [a, b]) await p.page.waitForFunction(() => (window as unknown as { __firstFrame: number | null }).__firstFrame !== null, undefined, { timeout: 30_000 });
      samples.acceptToFrame.push((await firstFrameAt(b.page))! - acceptedAt);
      samples.dialToFrame.push((await firstFrameAt(a.page))! - dialedAt);
      await callView(a.page).getByRole('button', { name: 'Hang up' }).click();
      for (const p of [a, b]) await callView(p.page).waitFor({ state: 'detached' });
      // The last steps (ended, PeerJS leave) are still on their way: let them land before counting.
      await a.page.waitForTimeout(500);
      samples.sync.push(a.wire.sync + b.wire.sync - before.sync);
      samples.peer.push(a.wire.peer + b.wire.peer - before.peer);
    }
    return {
      calls: options.calls,
      acceptToFrame: distribution(samples.acceptToFrame),
      dialToFrame: distribution(samples.dialToFrame),
      syncMessages: distribution(samples.sync),
      peerMessages: distribution(samples.peer),
    };
  } finally {
    await closeBrowser();
    await stopSystem();
  }
}

export function callsTable(r: CallsResult): Table {
  const count = (d: Distribution) => `${d.p50} (max ${d.max})`;
  return {
    id: 'calls',
    title: `Calls through the web app (${r.calls} video calls, Chromium with fake devices, loopback, no TURN)`,
    columns: ['figure', 'p50', 'max'],
    rows: [
      ['callee: accept click → first remote frame', ms(r.acceptToFrame.p50), ms(r.acceptToFrame.max)],
      ['caller: call click → first remote frame', ms(r.dialToFrame.p50), ms(r.dialToFrame.max)],
      ['sync call steps per call (both sides, up + down)', count(r.syncMessages), ''],
      ['PeerJS messages per call (both sides)', count(r.peerMessages), ''],
    ],
    notes: [
      'Frames are counted with requestVideoFrameCallback on the call view\'s remote video; the caller\'s figure includes the callee\'s time to click accept.',
      'Sync steps are the stateless call* messages on both browsers\' sync sockets; PeerJS messages leave heartbeats out.',
    ],
  };
}

// `node --conditions=@parley/source --import tsx bench/calls.ts [calls]`: this benchmark alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = await callsBench({ calls: Number(process.argv[2] ?? 3) });
    if (result) printTable(callsTable(result));
    else console.log(`no Chromium at ${CHROMIUM}`);
  } finally {
    await cleanupAll();
  }
}
