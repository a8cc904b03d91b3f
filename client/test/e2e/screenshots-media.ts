import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import type { AuthResponse } from '@parley/schema';
import { recordWebm } from './record.ts';
import { writeLongWebm } from './webm.ts';

/**
 * The media views for docs/screenshots/ (screenshots.e2e.test.ts): the sender's
 * tray and an upload under way (the upload throttled so it is caught midway),
 * then the reader's image, video and file messages and the lightbox, at desktop
 * and phone width.
 */
export async function shootMedia(o: { browser: Browser; url: string; out: string; conversationId: string; sender: AuthResponse; reader: AuthResponse }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-shots-media-'));
  try {
    const shot = (p: Page, name: string) => p.screenshot({ path: path.join(o.out, `${name}.en.png`) });
    const sam = await open(o, o.sender, 1280, 800);
    const recorder = await o.browser.newPage();
    const video = path.join(dir, 'Harbour walk.webm');
    writeLongWebm(await recordWebm(recorder, 1500), 24 * 1024 * 1024, video);
    await recorder.close();
    const photos = await Promise.all(
      [
        ['Mockup v3.png', 1600, 1000, '#6366f1'],
        ['Whiteboard.jpg', 900, 1200, '#0ea5e9'],
      ].map(async ([name, width, height, colour]) => {
        const file = path.join(dir, name as string);
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${colour}"/><stop offset="1" stop-color="#f59e0b"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="${Number(width) * 0.7}" cy="${Number(height) * 0.35}" r="${Number(height) * 0.18}" fill="#fff" fill-opacity="0.35"/><text x="8%" y="85%" font-family="sans-serif" font-size="${Number(height) * 0.08}" fill="#fff">${(name as string).replace(/\..*/, '')}</text></svg>`;
        await sharp(Buffer.from(svg))[(name as string).endsWith('.png') ? 'png' : 'jpeg']().toFile(file);
        return file;
      }),
    );
    const pdf = path.join(dir, 'Design brief.pdf');
    fs.writeFileSync(pdf, `%PDF-1.4\n% ${'x'.repeat(180_000)}\n%%EOF\n`);

    const pane = sam.locator('section.messages');
    await pane.getByLabel('Choose files to send').setInputFiles([...photos, pdf]);
    await pane.locator('.attach-tray').waitFor();
    await sam.waitForTimeout(400);
    await shot(sam, 'desktop-media-tray');
    await pane.getByRole('button', { name: 'Send' }).click();
    await pane.locator('.message-row.mine[data-status="sent"] .file-card').waitFor({ timeout: 60_000 });

    // Slow the network so the video's upload is seen under way.
    const cdp = await sam.context().newCDPSession(sam);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });
    await pane.getByLabel('Choose files to send').setInputFiles(video);
    await pane.getByRole('button', { name: 'Send' }).click();
    await sam.waitForFunction(() => Number(document.querySelector<HTMLProgressElement>('.pending-upload progress')?.value ?? 0) >= 20, undefined, { timeout: 60_000 });
    await shot(sam, 'desktop-media-uploading');
    await sam.setViewportSize({ width: 390, height: 844 });
    await sam.waitForTimeout(300);
    await shot(sam, 'phone-media-uploading');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await pane.locator('.message-row.mine[data-status="sent"] video').waitFor({ timeout: 120_000 });

    const mei = await open(o, o.reader, 1280, 800);
    const meiPane = mei.locator('section.messages');
    await meiPane.locator('.message-row:not(.mine) video').waitFor();
    await mei.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.image-thumb img')].every((i) => i.complete && i.naturalWidth > 0));
    await mei.waitForTimeout(500);
    // The list opens at the first unread message: show the newest ones.
    const jump = meiPane.getByRole('button', { name: 'Jump to latest' });
    if (await jump.isVisible()) await jump.click();
    await mei.waitForTimeout(800);
    await shot(mei, 'desktop-media');
    const lightbox = async (image: string, name: string) => {
      await meiPane.getByRole('button', { name: `Open ${image}` }).click();
      await mei.getByRole('dialog').locator('img').evaluate((i: HTMLImageElement) => i.decode());
      await mei.waitForTimeout(300);
      await shot(mei, name);
      await mei.keyboard.press('Escape');
    };
    await lightbox('Mockup v3.png', 'desktop-lightbox');
    await mei.setViewportSize({ width: 390, height: 844 });
    await mei.waitForTimeout(500);
    await shot(mei, 'phone-media');
    await lightbox('Whiteboard.jpg', 'phone-lightbox');
    await sam.context().close();
    await mei.context().close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function open(o: { browser: Browser; url: string; conversationId: string }, auth: AuthResponse, width: number, height: number): Promise<Page> {
  const context = await o.browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, locale: 'en-US', colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(o.url);
  await page.evaluate((s) => localStorage.setItem('parley.session', JSON.stringify(s)), { token: auth.token, refreshToken: auth.refreshToken, expiresAt: auth.expiresAt, user: auth.user });
  await page.goto(`${o.url}/#/c/${o.conversationId}`);
  await page.reload();
  await page.locator('section.messages').waitFor();
  return page;
}
