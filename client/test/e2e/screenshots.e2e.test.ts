import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ParleyClient } from '@parley/client/sdk';
import { launchBrowser } from './browser.ts';
import { callView, FAKE_MEDIA_ARGS, incomingDialog, placeCall } from './calls-ui.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { shootMedia } from './screenshots-media.ts';

/**
 * The README's screenshots (docs/screenshots/): the main views at desktop
 * (1280×800) and phone (390×844) width, in en and zh-CN. Not part of CI:
 * `PARLEY_SCREENSHOTS=1 npm run test:e2e -- screenshots`.
 */
const out = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

describe.skipIf(!process.env.PARLEY_SCREENSHOTS)('screenshots', () => {
  let system: RunningSystem;
  let browser: Browser;
  const password = 'correct horse battery';
  const run = Date.now().toString(36).slice(-4);
  const users = {
    mei: { username: `mei_${run}`, displayName: 'Mei Chen' },
    sam: { username: `sam_${run}`, displayName: 'Sam Rivera' },
    ola: { username: `ola_${run}`, displayName: 'Ola Nowak' },
  };

  let directId = '';
  let sessions: Record<'mei' | 'sam', Awaited<ReturnType<typeof ParleyClient.register>>>;

  beforeAll(async () => {
    fs.mkdirSync(out, { recursive: true });
    system = await startSystem();
    browser = await launchBrowser(FAKE_MEDIA_ARGS);
    const auth = Object.fromEntries(await Promise.all(Object.entries(users).map(async ([k, u]) => [k, await ParleyClient.register(system.url, { ...u, password })] as const)));
    // A little history, written by the people themselves through the SDK.
    const clients: Record<string, ParleyClient> = {};
    const { WebSocket } = await import('ws');
    for (const [k, a] of Object.entries(auth)) clients[k] = new ParleyClient({ serverUrl: system.url, token: a.token, userId: a.user.id, WebSocket: WebSocket as never, storage: 'memory', broadcastChannel: false, logLevel: 'silent' });
    const direct = await clients.sam!.createDirectConversation(auth.mei!.user.id);
    directId = direct.id;
    sessions = auth as never;
    const group = await clients.mei!.createGroup('Design review', [auth.sam!.user.id, auth.ola!.user.id]);
    const say = async (who: string, cid: string, text: string) => (await clients[who]!.sendMessage({ conversationId: cid, text })).confirmed;
    await say('sam', direct.id, 'Hi Mei! Did you see the new mockups?');
    await say('mei', direct.id, 'Yes, they look great 🎉\nI left a few notes on the colours.');
    await say('sam', direct.id, 'Thanks! See https://example.com/mockups for the latest.');
    await say('mei', group.id, 'Review at 3 pm today, everyone OK?');
    await say('ola', group.id, 'Works for me 👍');
    await say('sam', group.id, 'I will bring the prototype.');
    await say('ola', group.id, 'Can we also look at the onboarding flow?');
    for (const c of Object.values(clients)) await c.destroy();
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  async function page(locale: string, width: number, height: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, locale, colorScheme: 'light' });
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    return p;
  }

  for (const [lang, locale, labels] of [
    ['en', 'en-US', { user: 'Username', pass: 'Password', submit: 'Sign in', details: 'Conversation details', close: 'Close details', back: 'Back to conversations' }],
    ['zh-CN', 'zh-CN', { user: '用户名', pass: '密码', submit: '登录', details: '会话详情', close: '关闭详情', back: '返回会话列表' }],
  ] as const) {
    it(`desktop and phone, ${lang}`, async () => {
      const p = await page(locale, 1280, 800);
      await p.goto(system.url);
      await p.waitForTimeout(300);
      await p.screenshot({ path: path.join(out, `desktop-sign-in.${lang}.png`) });
      await p.getByLabel(labels.user).fill(users.mei.username);
      await p.getByLabel(labels.pass).fill(password);
      await p.getByRole('button', { name: labels.submit, exact: true }).click();
      await p.locator('.conversation', { hasText: 'Design review' }).click();
      await p.locator('.message-row', { hasText: 'onboarding' }).waitFor();
      await p.waitForTimeout(500);
      await p.screenshot({ path: path.join(out, `desktop-group.${lang}.png`) });
      await p.locator('.conversation', { hasText: 'Sam Rivera' }).click();
      await p.locator('.message-row', { hasText: 'mockups' }).first().waitFor();
      await p.waitForTimeout(500);
      await p.screenshot({ path: path.join(out, `desktop-direct.${lang}.png`) });

      await p.setViewportSize({ width: 390, height: 844 });
      await p.waitForTimeout(300);
      await p.screenshot({ path: path.join(out, `phone-chat.${lang}.png`) });
      await p.getByRole('button', { name: labels.details }).click();
      await p.waitForTimeout(300);
      await p.screenshot({ path: path.join(out, `phone-details.${lang}.png`) });
      await p.getByRole('button', { name: labels.close }).click();
      await p.getByRole('button', { name: labels.back }).click();
      await p.locator('.sidebar').waitFor();
      await p.waitForTimeout(300);
      await p.screenshot({ path: path.join(out, `phone-list.${lang}.png`) });
      await p.context().close();
    });
  }

  it('calls, en: incoming dialog, call view, minimised bar and call records at desktop and phone width', async () => {
    const signIn = async (who: { username: string }, width: number, height: number) => {
      const p = await page('en-US', width, height);
      await p.goto(system.url);
      await p.getByLabel('Username').fill(who.username);
      await p.getByLabel('Password').fill(password);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      return p;
    };
    const shot = (p: Page, name: string) => p.waitForTimeout(400).then(() => p.screenshot({ path: path.join(out, `${name}.en.png`) }));
    const sam = await signIn(users.sam, 1280, 800);
    const mei = await signIn(users.mei, 1280, 800);
    await sam.locator('.conversation', { hasText: 'Mei Chen' }).click();
    await mei.locator('.conversation', { hasText: 'Sam Rivera' }).click();

    await placeCall(sam, true);
    await incomingDialog(mei).waitFor();
    await shot(mei, 'desktop-call-incoming');
    await incomingDialog(mei).getByRole('button', { name: 'Accept with video' }).click();
    await callView(sam).locator('.call-status', { hasText: /^\d+:\d\d$/ }).waitFor({ timeout: 20_000 });
    await callView(mei).getByRole('button', { name: 'Mute microphone' }).click();
    await callView(sam).getByText('Mei Chen muted their microphone').waitFor();
    await sam.waitForTimeout(1500);
    await shot(sam, 'desktop-call');
    await callView(sam).getByRole('button', { name: 'Minimise call' }).click();
    await sam.locator('.conversation', { hasText: 'Design review' }).click();
    await shot(sam, 'desktop-call-bar');

    await sam.setViewportSize({ width: 390, height: 844 });
    await shot(sam, 'phone-call-bar');
    await sam.getByRole('button', { name: 'Return to the call with Mei Chen' }).click();
    await shot(sam, 'phone-call');
    await callView(sam).getByRole('button', { name: 'Hang up' }).click();
    await sam.locator('.call-record').first().waitFor();

    await mei.setViewportSize({ width: 390, height: 844 });
    await placeCall(sam, false);
    await incomingDialog(mei).waitFor();
    await callView(sam).getByText('Ringing…').waitFor();
    await shot(sam, 'phone-call-voice');
    await shot(mei, 'phone-call-incoming');
    await incomingDialog(mei).getByRole('button', { name: 'Decline' }).click();
    await sam.locator('.call-record[data-outcome="declined"]').waitFor();
    await placeCall(sam, true);
    await incomingDialog(mei).waitFor();
    await callView(sam).getByRole('button', { name: 'Hang up' }).click();
    await mei.locator('.call-record[data-outcome="cancelled"]').waitFor();
    await shot(mei, 'phone-call-records');
    await sam.setViewportSize({ width: 1280, height: 800 });
    await shot(sam, 'desktop-call-records');
    for (const p of [sam, mei]) await p.context().close();
  });
  it('media: the tray, an upload, an image, the lightbox, a video and a file card (en)', async () => {
    await shootMedia({ browser, url: system.url, out, conversationId: directId, sender: sessions.sam, reader: sessions.mei });
  }, 180_000);
});
