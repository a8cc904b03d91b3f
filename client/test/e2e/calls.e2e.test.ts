import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeerTokenService } from '@parley/schema/tokens';
import type { Message } from '@parley/schema';
import { attachSignalling, type Signalling } from '../../../media-server/src/calls/signalling.ts';
import { createLogger } from '../../../media-server/src/log.ts';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../../../sync-server/test/harness.ts';
import { api, directConversation, register } from '../../../sync-server/test/clients.ts';
import { CHROMIUM } from './browser.ts';

/**
 * A real call between two SDK clients in Chromium with fake camera and
 * microphone: a real sync-server, the media-server's PeerJS signalling, and a
 * tiny page that uses the SDK's calls part directly (not the web app).
 */
describe('calls in the browser', () => {
  let sync: TestServer;
  let page: http.Server;
  let signalling: Signalling;
  let pageUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./calls-page.ts', import.meta.url))],
      bundle: true, format: 'esm', platform: 'browser', conditions: ['@parley/source'], write: false,
    });
    const script = bundle.outputFiles[0]!.text;
    page = http.createServer((req, res) => {
      if (req.url === '/page.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>calls</title><script type="module" src="/page.js"></script>');
    });
    signalling = attachSignalling(page, createPeerTokenService(TEST_JWT_SECRET, 600), createLogger('silent'));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    // The page is another origin than the sync-server: it must be allowed for CORS and the /sync upgrade.
    sync = await startTestServer({ config: { jwtSecret: TEST_JWT_SECRET, allowedOrigins: [pageUrl] } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    signalling?.close();
    page?.closeAllConnections();
    await new Promise((resolve) => page?.close(resolve));
    await sync?.stop();
  });

  async function open(auth: { token: string; user: { id: string } }): Promise<Page> {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(pageUrl);
    await p.waitForFunction(() => 'parley' in window);
    await p.evaluate((setup) => (window as any).parley.start(setup), { serverUrl: sync.url, signallingUrl: pageUrl, token: auth.token, userId: auth.user.id });
    return p;
  }

  const logOf = (p: Page) => p.evaluate(() => (window as any).parley.log as Array<[string, any]>);
  const until = async (p: Page, fn: string, timeout = 20_000) => p.waitForFunction(fn, undefined, { timeout });

  it('A calls B, B accepts: live video both ways, toggles reach the other side, hang-up writes one call record', async () => {
    const [alice, bob] = [await register(sync.url, 'alice'), await register(sync.url, 'bob')];
    const conversationId = await directConversation(sync.url, alice, bob);
    const [a, b] = [await open(alice), await open(bob)];

    const callId = await a.evaluate((id) => (window as any).parley.call(id), conversationId);
    await until(b, `window.parley.log.some(([k, v]) => k === 'incoming' && v.id === ${JSON.stringify(callId)})`);
    await until(a, `window.parley.log.some(([k]) => k === 'ringing')`);
    await b.evaluate((id) => (window as any).parley.accept(id), callId);

    // Frames advance on both remote videos, with ICE connected.
    for (const p of [a, b]) {
      await until(p, 'window.parley.frames() > 5');
      const before = await p.evaluate(() => (window as any).parley.frames());
      await p.waitForTimeout(1000);
      expect(await p.evaluate(() => (window as any).parley.frames())).toBeGreaterThan(before + 5);
      expect(['connected', 'completed']).toContain(await p.evaluate(() => (window as any).parley.iceState()));
      expect((await logOf(p)).find(([k]) => k === 'remoteStream')?.[1]).toEqual(['audio', 'video']);
    }
    const acceptToFrame = await b.evaluate(() => (window as any).parley.marks.firstFrame - (window as any).parley.marks.accept);
    const answeredToFrame = await a.evaluate(() => (window as any).parley.marks.firstFrame - (window as any).parley.marks.connecting);
    // The measure (docs/bench.md): loopback, fake devices, no TURN.
    process.stdout.write(`\ncalls e2e: accept → first remote frame: callee ${Math.round(acceptToFrame)} ms; caller, from hearing of the answer, ${Math.round(answeredToFrame)} ms\n`);
    expect(acceptToFrame).toBeGreaterThan(0);

    await a.evaluate(() => (window as any).parley.mute(true));
    await until(b, `window.parley.log.some(([k, v]) => k === 'remoteMedia' && v.muted === true && v.cameraOff === false)`);
    await b.evaluate(() => (window as any).parley.camera(true));
    await until(a, `window.parley.log.some(([k, v]) => k === 'remoteMedia' && v.cameraOff === true)`);

    await a.waitForTimeout(500);
    await a.evaluate(() => (window as any).parley.hangUp());
    for (const p of [a, b]) await until(p, `window.parley.log.some(([k, v]) => k === 'ended' && v.outcome === 'completed')`);
    let records: Message[] = [];
    for (let i = 0; i < 100 && records.length === 0; i++) {
      const { body } = await api<{ items: Message[] }>(sync.url, `/conversations/${conversationId}/messages?limit=20`, { token: bob.token });
      records = body.items.filter((m) => m.kind === 'call');
      if (!records.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(records).toHaveLength(1);
    expect(records[0]!.system!.call).toMatchObject({ callId, outcome: 'completed', video: true, callerId: alice.user.id });
    expect(records[0]!.system!.call!.durationMs).toBeGreaterThan(1000);
    // Closing with candidates possibly in flight left no unhandled rejection.
    await a.waitForTimeout(500);
    for (const p of [a, b]) expect(await p.evaluate(() => (window as any).parley.unhandled)).toEqual([]);
  });
});
