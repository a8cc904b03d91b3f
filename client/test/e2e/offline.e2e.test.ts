import type { AuthResponse, ConversationDetail, Message } from '@parley/schema';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ParleyClient } from '../../src/sdk/index.ts';
import { launchBrowser } from './browser.ts';
import { startSystem, type RunningSystem } from './system.ts';

/**
 * The web app's shell offline, its headers, and sign-out across tabs, in Chromium.
 *
 * What it relies on in the app's DOM (accessible names and data attributes, so a
 * restructured app keeps passing): the sign-in tabs "Register" with fields
 * "Username", "Display name", "Password" and the button "Create account"; the
 * complementary region "Conversations"; the region "Conversation with <name>"
 * with the field "Message"; a message row carries `data-status` (pending, sent)
 * and its text; the connection banner is a `status` inside "Conversations";
 * the button "Sign out"; the heading "Welcome back".
 */
describe('web app offline, page security, sign-out everywhere', () => {
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const run = Date.now().toString(36).slice(-5);
  const alice = { username: `ali_${run}`, displayName: 'Alice Offline', password: 'correct horse battery' };
  const bob = { username: `bob_${run}`, displayName: 'Bob Server', password: 'staple battery horse' };
  let bobAuth: AuthResponse;
  let aliceId: string;
  let conversationId: string;

  async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
    const res = await fetch(`${system.url}/api${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, deviceScaleFactor: 1 });
    contexts.push(context);
    return context;
  }

  /** Whatever the CSP refused, on any page: the app must need nothing it forbids. */
  const refused: string[] = [];

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) refused.push(msg.text());
    });
    return page;
  }

  const pane = (page: Page) => page.getByRole('region', { name: `Conversation with ${bob.displayName}` });
  const rows = (page: Page, status: string) => pane(page).locator(`[data-status="${status}"]`);

  /** Texts of the conversation as the server has it, oldest first. */
  async function serverTexts(): Promise<string[]> {
    const page = await api<{ items: Message[] }>(`/conversations/${conversationId}/messages?limit=200`, { token: bobAuth.token });
    return page.items.filter((m) => !m.system).map((m) => m.text ?? '');
  }

  beforeAll(async () => {
    system = await startSystem();
    browser = await launchBrowser();
    bobAuth = await api<AuthResponse>('/auth/register', { body: bob });
  });

  afterAll(async () => {
    expect(refused).toEqual([]);
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    const code = await system?.stop();
    expect(code, system?.output()).toBe(0);
  });

  describe('page security (scripts/web-server.mjs)', () => {
    it('sends a CSP without inline scripts that refuses framing, and the other protection headers', async () => {
      const res = await fetch(system.url + '/');
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('permissions-policy')).toMatch(/camera=\(self\)/);
      expect(res.headers.get('permissions-policy')).toMatch(/microphone=\(self\)/);
      // The built page has no inline script for the CSP to refuse.
      expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    });

    it('serves the scripts compressed, brotli first, and no source map', async () => {
      const html = await (await fetch(system.url + '/')).text();
      const script = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      // Node's fetch decompresses: ask with node:http semantics by reading the headers only.
      for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', null]] as const) {
        const res = await fetch(system.url + script, { headers: { 'accept-encoding': accept } });
        expect(res.headers.get('content-encoding'), accept).toBe(encoding);
        expect(res.headers.get('vary')).toMatch(/Accept-Encoding/i);
        expect((await res.text()).length).toBeGreaterThan(10_000);
      }
      const map = await fetch(system.url + script + '.map');
      expect(map.status).toBe(404);
      const js = await (await fetch(system.url + script)).text();
      expect(js).not.toMatch(/sourceMappingURL/);
    });

    it('the service worker leaves the API to the network: no API answer lands in Cache Storage', async () => {
      // Proven in the offline test below too: the cached entries are the shell's files only.
      const sw = await fetch(system.url + '/sw.js');
      expect(sw.status).toBe(200);
      expect(sw.headers.get('cache-control')).toBe('no-cache');
      expect(await sw.text()).toMatch(/"\/api"/);
    });
  });

  describe('the embeddable example (client/web/embed.html, docs/embed.md)', () => {
    it('a host page shows "Chat (N)" with the unread total, live', async () => {
      const carol = await api<AuthResponse>('/auth/register', { body: { username: `car_${run}`, displayName: 'Carol Host', password: 'battery horse staple' } });
      // Bob writes from a Node program (the SDK without a browser).
      const bobClient = new ParleyClient({
        serverUrl: system.url, token: bobAuth.token, userId: bobAuth.user.id, WebSocket, storage: 'memory', broadcastChannel: false, online: false, logLevel: 'silent',
      });
      const say = async (conversationId: string, text: string) => (await bobClient.sendMessage({ conversationId, text })).confirmed;
      const chat = await bobClient.createDirectConversation(carol.user.id);
      await say(chat.id, 'hello Carol');
      const context = await newContext();
      const page = await newPage(context);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // The app's own session, as a signed-in app leaves it (same origin as the host page here).
      await page.goto(system.url + '/embed.html');
      await page.evaluate((auth) => localStorage.setItem('parley.session', JSON.stringify(auth)), carol);
      await page.reload();
      const link = page.getByRole('link', { name: /^Chat/ });
      await expect.poll(() => link.textContent(), { timeout: 10_000 }).toBe('Chat (1)');
      // Live: no reload.
      await say(chat.id, 'are you there?');
      await expect.poll(() => link.textContent(), { timeout: 10_000 }).toBe('Chat (2)');
      // A group counts too; that muted ones do not is proven in client/test/sdk.connectivity.test.ts (SDK-N3).
      const group = await bobClient.createGroup('Host page test', [carol.user.id]);
      await say(group.id, 'welcome to the group');
      await expect.poll(() => link.textContent(), { timeout: 10_000 }).toBe('Chat (3)');
      await bobClient.destroy();
      expect(await link.getAttribute('href')).toBe('/');
      expect(errors).toEqual([]);
      await context.close();
    });
  });

  describe('offline (service worker, outbox, second tab)', () => {
    let context: BrowserContext;
    let page: Page;

    it('signs up, opens a chat and installs the service worker', async () => {
      context = await newContext();
      page = await newPage(context);
      await page.goto(system.url);
      await page.getByRole('tab', { name: 'Register' }).click();
      await page.getByLabel('Username').fill(alice.username);
      await page.getByLabel('Display name').fill(alice.displayName);
      await page.getByLabel('Password').fill(alice.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('complementary', { name: 'Conversations' }).waitFor();
      aliceId = await page.evaluate(() => (JSON.parse(localStorage.getItem('parley.session')!) as { user: { id: string } }).user.id);
      const created = await api<{ conversation: ConversationDetail }>('/conversations', { token: bobAuth.token, body: { type: 'direct', memberIds: [aliceId] } });
      conversationId = created.conversation.id;

      await page.getByRole('complementary', { name: 'Conversations' }).getByText(bob.displayName).first().click();
      await pane(page).getByLabel('Message').waitFor();
      // The worker controls the page once it has cached the shell.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
      const cached = await page.evaluate(async () => {
        const urls: string[] = [];
        for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
        return urls;
      });
      expect(cached).toContain('/index.html');
      expect(cached.some((u) => u.startsWith('/api') || u.startsWith('/sync') || u.startsWith('/files'))).toBe(false);
    });

    it('says "offline" within 2 s of losing the network', async () => {
      const banner = page.getByRole('complementary', { name: 'Conversations' }).getByRole('status');
      const started = Date.now();
      await context.setOffline(true);
      await banner.getByText(/offline/i).waitFor({ timeout: 2_000 });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    });

    it('queues three messages while offline', async () => {
      for (const text of ['offline one', 'offline two', 'offline three']) {
        await pane(page).getByLabel('Message').fill(text);
        await pane(page).getByLabel('Message').press('Enter');
      }
      await expect.poll(() => rows(page, 'pending').count()).toBe(3);
    });

    it('reloads while offline from the service worker, and the three still show as pending', async () => {
      const started = Date.now();
      const response = await page.reload();
      expect(response?.fromServiceWorker()).toBe(true);
      await pane(page).getByLabel('Message').waitFor();
      await expect.poll(() => rows(page, 'pending').allInnerTexts()).toEqual([
        expect.stringContaining('offline one'), expect.stringContaining('offline two'), expect.stringContaining('offline three'),
      ]);
      process.stdout.write(`offline reload to the three pending messages: ${Date.now() - started} ms\n`);
      await page.getByRole('complementary', { name: 'Conversations' }).getByRole('status').getByText(/offline/i).waitFor();
    });

    let second: Page;
    it('opens a second tab offline: it shows them too', async () => {
      second = await newPage(context);
      const response = await second.goto(page.url());
      expect(response?.fromServiceWorker()).toBe(true);
      await expect.poll(() => rows(second, 'pending').count()).toBe(3);
      expect(await serverTexts()).toEqual([]);
    });

    it('back online, each of the three is delivered exactly once, in order, and the banner says so', async () => {
      await context.setOffline(false);
      await page.getByRole('complementary', { name: 'Conversations' }).getByRole('status').getByText(/back online|reconnecting/i).waitFor({ timeout: 2_000 });
      await expect.poll(() => rows(page, 'sent').count(), { timeout: 20_000 }).toBe(3);
      await expect.poll(() => rows(second, 'sent').count(), { timeout: 20_000 }).toBe(3);
      await expect.poll(serverTexts, { timeout: 10_000 }).toEqual(['offline one', 'offline two', 'offline three']);
      // Both tabs held the outbox: still once each, after both had every chance to resend.
      await page.waitForTimeout(1500);
      expect(await serverTexts()).toEqual(['offline one', 'offline two', 'offline three']);
    });

    it('signing out in one tab signs out the other, and leaves no data of the user in IndexedDB', async () => {
      const databases = (p: Page) => p.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
      expect(await databases(page)).toContain(`parley:user:${aliceId}`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      await second.getByRole('heading', { name: 'Welcome back' }).waitFor({ timeout: 5_000 });
      const mine = (names: string[]) => names.filter((n) => n.includes(aliceId) || n.includes(conversationId));
      await expect.poll(async () => mine(await databases(page))).toEqual([]);
      // The shared key/value cache keeps nothing of hers either.
      const keys = await page.evaluate(() => new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('parley:cache');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('kv')) return resolve([]);
          const req = db.transaction('kv').objectStore('kv').getAllKeys();
          req.onsuccess = () => resolve(req.result.map(String));
          req.onerror = () => reject(req.error);
        };
      }));
      expect(keys.filter((k) => k.includes(aliceId) || k.includes(conversationId))).toEqual([]);
      expect(await second.evaluate(() => localStorage.getItem('parley.session'))).toBeNull();
    });
  });
});
