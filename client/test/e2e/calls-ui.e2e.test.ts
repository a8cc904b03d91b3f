import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthResponse, Message } from '@parley/schema';
import { api, directConversation } from '../../../sync-server/test/clients.ts';
import { formatDuration } from '../../web/src/features/calls/callText.ts';
import { launchBrowser } from './browser.ts';
import { callView, CAMERA_BLOCKED, FAKE_MEDIA_ARGS, firstFrameAt, frames, incomingDialog, mediaStats, now, openAs, openChat, PASSWORD, placeCall, remoteTracks, type Person } from './calls-ui.ts';
import { startSystem, type RunningSystem } from './system.ts';

/**
 * Calls through the web app's UI in Chromium with fake camera and microphone:
 * the whole system as `npm start` runs it, each person in a browser context of
 * their own, every step a click. A short ring timeout (PARLEY_CALL_TIMEOUT_MS)
 * lets the unanswered call end as missed within the test.
 */
const RING_TIMEOUT_MS = 5000;

describe('calls in the web app', () => {
  let system: RunningSystem;
  let browser: Browser;
  const run = Date.now().toString(36).slice(-5);
  const people = {
    alice: { username: `ca_al_${run}`, displayName: 'Alice Martin' },
    bob: { username: `ca_bo_${run}`, displayName: 'Bob Okafor' },
    carol: { username: `ca_ca_${run}`, displayName: 'Carol Diaz' },
  } satisfies Record<string, Person>;
  const auth: Record<string, AuthResponse> = {};
  let conversationId = '';
  let a: Page;
  let b: Page;

  const records = (page: Page, outcome?: string) => page.locator(`section.pane.messages .call-record${outcome ? `[data-outcome="${outcome}"]` : ''}`);

  /** The conversation's call messages as the server has them (written by the server, rule K8). */
  async function serverRecords(): Promise<Message[]> {
    const { body } = await api<{ items: Message[] }>(system.url, `/conversations/${conversationId}/messages?limit=50`, { token: auth.bob!.token });
    return body.items.filter((m) => m.kind === 'call');
  }

  beforeAll(async () => {
    process.env.PARLEY_CALL_TIMEOUT_MS = String(RING_TIMEOUT_MS);
    system = await startSystem();
    browser = await launchBrowser(FAKE_MEDIA_ARGS);
    for (const [key, who] of Object.entries(people)) {
      const { body } = await api<AuthResponse>(system.url, '/auth/register', { body: { ...who, password: PASSWORD } });
      auth[key] = body;
    }
    conversationId = await directConversation(system.url, auth.alice!, auth.bob!);
    await directConversation(system.url, auth.alice!, auth.carol!);
    a = (await openAs(browser, system.url, people.alice)).page;
    b = (await openAs(browser, system.url, people.bob)).page;
    await openChat(a, people.bob.displayName);
    await openChat(b, people.alice.displayName);
  });

  // A failed test must not leave a call behind for the next one.
  afterEach(async () => {
    for (const page of [a, b]) {
      if (page && (await callView(page).count())) await callView(page).getByRole('button', { name: 'Hang up' }).click();
      if (page) await expect.poll(() => callView(page).count()).toBe(0);
    }
  });

  afterAll(async () => {
    await browser?.close();
    const code = await system?.stop();
    delete process.env.PARLEY_CALL_TIMEOUT_MS;
    expect(code, system?.output()).toBe(0);
  });

  it('A calls B with video, B accepts: live media both ways, toggles reach the other side, hang-up writes one record with its duration', async () => {
    await placeCall(a, true);
    await callView(a).getByText(/Calling…|Ringing…/).waitFor();
    const dialog = incomingDialog(b);
    await dialog.getByRole('heading', { name: people.alice.displayName }).waitFor();
    await dialog.getByText('Incoming video call…').waitFor();
    await callView(a).getByText('Ringing…').waitFor();
    // While in a call, the header's buttons say why they are off.
    await expect.poll(() => a.locator('.pane-header').getByRole('button', { name: 'Voice call', exact: true }).isDisabled()).toBe(true);

    const acceptedAt = await now(b);
    await dialog.getByRole('button', { name: 'Accept with video' }).click();
    await expect.poll(() => dialog.count()).toBe(0);

    for (const page of [a, b]) {
      await page.locator('.call-view[data-state="active"]').waitFor({ timeout: 20_000 });
      await expect.poll(() => frames(page), { timeout: 20_000 }).toBeGreaterThan(5);
      expect(await remoteTracks(page)).toEqual(['audio:live', 'video:live']);
      const first = await mediaStats(page);
      const painted = await frames(page);
      expect(['connected', 'completed']).toContain(first.ice);
      // Decoded frames, audio packets and painted frames advance: live media, not just tracks.
      // (Polled, not timed: on a loaded machine the fake camera's 30 fps come slower.)
      await expect.poll(async () => (await mediaStats(page)).framesDecoded, { timeout: 10_000 }).toBeGreaterThan(first.framesDecoded + 5);
      await expect.poll(async () => (await mediaStats(page)).audioPackets, { timeout: 10_000 }).toBeGreaterThan(first.audioPackets + 10);
      await expect.poll(() => frames(page), { timeout: 10_000 }).toBeGreaterThan(painted + 5);
      expect(['connected', 'completed']).toContain((await mediaStats(page)).ice);
      // The timer runs from connect.
      await callView(page).locator('.call-status', { hasText: /^\d+:\d\d$/ }).waitFor();
    }
    const firstFrame = (await firstFrameAt(b))!;
    process.stdout.write(`\ncalls UI e2e: accept click → first remote frame on the callee: ${Math.round(firstFrame - acceptedAt)} ms\n`);

    // Mute and camera reach the other side's UI.
    await callView(a).getByRole('button', { name: 'Mute microphone' }).click();
    await callView(b).getByText(`${people.alice.displayName} muted their microphone`).waitFor();
    expect(await callView(a).getByRole('button', { name: 'Unmute microphone' }).getAttribute('aria-pressed')).toBe('true');
    await callView(b).getByRole('button', { name: 'Turn camera off' }).click();
    await callView(a).getByText(`${people.bob.displayName} turned their camera off`).waitFor();
    // A shows Bob's picture instead of his video while it is off.
    await expect.poll(() => a.locator('video.call-remote').evaluate((v) => getComputedStyle(v).display)).toBe('none');
    await callView(a).getByRole('button', { name: 'Unmute microphone' }).click();
    await expect.poll(() => callView(b).getByText(`${people.alice.displayName} muted their microphone`).count()).toBe(0);

    // Minimised, the call stays in a bar while A reads another conversation; the bar brings it back.
    await callView(a).getByRole('button', { name: 'Minimise call' }).click();
    const bar = a.getByRole('region', { name: `Call with ${people.bob.displayName}, minimised` });
    await bar.waitFor();
    expect(await callView(a).count()).toBe(0);
    await a.locator('.conversation', { hasText: people.carol.displayName }).click();
    await a.locator('section.pane.messages .pane-title h2', { hasText: people.carol.displayName }).waitFor();
    await bar.locator('.call-bar-status', { hasText: /^0:\d\d$/ }).waitFor();
    await bar.getByRole('button', { name: `Return to the call with ${people.bob.displayName}` }).click();
    await callView(a).waitFor();
    await a.locator('section.pane.messages .pane-title h2', { hasText: people.bob.displayName }).waitFor();

    await callView(a).getByRole('button', { name: 'Hang up' }).click();
    for (const page of [a, b]) await expect.poll(() => callView(page).count()).toBe(0);
    const stored = await serverRecords();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.system!.call).toMatchObject({ outcome: 'completed', video: true, callerId: auth.alice!.user.id });
    expect(stored[0]!.system!.call!.durationMs).toBeGreaterThan(1000);
    const line = `Video call · ${formatDuration(stored[0]!.system!.call!.durationMs!)}`;
    for (const page of [a, b]) {
      await records(page, 'completed').first().waitFor();
      expect(await records(page).count()).toBe(1);
      expect(await records(page).textContent()).toBe(line);
    }
    // The conversation list shows it too.
    await a.locator('.conversation', { hasText: people.bob.displayName }).getByText(line).waitFor();
  });

  it('declined, cancelled and unanswered calls write declined, cancelled and missed records', async () => {
    await placeCall(a, false);
    await incomingDialog(b).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => callView(a).count()).toBe(0);
    await records(a, 'declined').waitFor();
    expect(await records(a, 'declined').textContent()).toBe('Voice call · Declined');
    expect(await records(b, 'declined').textContent()).toBe('Declined voice call');

    await placeCall(a, false);
    await incomingDialog(b).waitFor();
    await callView(a).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => incomingDialog(b).count()).toBe(0);
    await records(a, 'cancelled').waitFor();
    expect(await records(a, 'cancelled').textContent()).toBe('Cancelled voice call');
    expect(await records(b, 'cancelled').textContent()).toBe('Missed voice call');

    await placeCall(a, true);
    await incomingDialog(b).waitFor();
    // Nobody answers: the server's ring timeout ends it, on both sides.
    await expect.poll(() => incomingDialog(b).count(), { timeout: RING_TIMEOUT_MS + 10_000 }).toBe(0);
    await expect.poll(() => callView(a).count()).toBe(0);
    await records(b, 'missed').waitFor();
    expect(await records(b, 'missed').textContent()).toBe('Missed video call');
    expect(await records(a, 'missed').textContent()).toBe('Video call · No answer');

    expect((await serverRecords()).map((m) => m.system!.call!.outcome).sort()).toEqual(['cancelled', 'completed', 'declined', 'missed']);
  });

  it('with two devices of B, answering on one stops the other ringing', async () => {
    const b2 = (await openAs(browser, system.url, people.bob)).page;
    await placeCall(a, false);
    await incomingDialog(b).waitFor();
    await incomingDialog(b2).waitFor();
    await incomingDialog(b).getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => incomingDialog(b2).count()).toBe(0);
    expect(await callView(b2).count()).toBe(0);
    await callView(b).locator('.call-status', { hasText: /^\d+:\d\d$/ }).waitFor({ timeout: 20_000 });
    await callView(b).getByRole('button', { name: 'Hang up' }).click();
    for (const page of [a, b]) await expect.poll(() => callView(page).count()).toBe(0);
    await expect.poll(async () => (await serverRecords()).length).toBe(5);
    await b2.context().close();
  });

  it('a refused camera says so and offers the call as voice, which then rings as a voice call', async () => {
    const blocked = (await openAs(browser, system.url, people.bob, { before: CAMERA_BLOCKED })).page;
    await openChat(blocked, people.alice.displayName);
    await placeCall(blocked, true);
    const alert = blocked.getByRole('alert').filter({ hasText: 'may not use your camera or microphone' });
    await alert.waitFor();
    expect(await callView(blocked).count()).toBe(0);
    await alert.getByRole('button', { name: 'Call with voice only' }).click();
    await incomingDialog(a).getByText('Incoming voice call…').waitFor();
    await incomingDialog(a).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => callView(blocked).count()).toBe(0);
    await blocked.context().close();
  });
});
