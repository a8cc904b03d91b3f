import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser.ts';
import { startSystem, type RunningSystem } from './system.ts';

/**
 * The whole system in a real browser: two people register, one finds the other
 * by username and opens a direct chat, both see it. Screenshots of every step go
 * to PARLEY_E2E_SCREENSHOTS (default: a new temp folder, printed at the end).
 */
describe('web app', () => {
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const shots = process.env.PARLEY_E2E_SCREENSHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-shots-'));
  const run = Date.now().toString(36).slice(-5);
  const alice = { username: `alice_${run}`, displayName: 'Alice Martin', password: 'correct horse battery' };
  const bob = { username: `bob_${run}`, displayName: 'Bob Okafor', password: 'staple battery horse' };

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
  }

  async function register(page: Page, who: typeof alice): Promise<void> {
    await page.goto(system.url);
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('Username').fill(who.username);
    await page.getByLabel('Display name').fill(who.displayName);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('complementary', { name: 'Conversations' }).waitFor();
  }

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    system = await startSystem();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    const code = await system?.stop();
    process.stdout.write(`\nscreenshots: ${shots}\n`);
    // Graceful shutdown is part of the contract: every service stops cleanly on SIGTERM.
    expect(code, system?.output()).toBe(0);
  });

  let alicePage: Page;
  let bobPage: Page;

  it('registers two people', async () => {
    alicePage = await newPage();
    await alicePage.goto(system.url);
    await alicePage.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await shot(alicePage, '01-sign-in');

    await register(alicePage, alice);
    await alicePage.getByText('No conversations yet.').waitFor();
    await shot(alicePage, '02-alice-empty');

    bobPage = await newPage();
    await register(bobPage, bob);
  });

  it('refuses a taken username with a clear message', async () => {
    const page = await newPage();
    await page.goto(system.url);
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password').fill('another password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('That username is taken').waitFor();
    await shot(page, '03-username-taken');
  });

  it('opens a direct chat by username, and the other side sees it', async () => {
    await alicePage.getByRole('button', { name: 'New chat' }).click();
    await alicePage.getByLabel('Find people by username').fill(bob.username.slice(0, 5));
    const result = alicePage.locator(`[data-username="${bob.username}"]`);
    await result.waitFor();
    await shot(alicePage, '04-find-bob');
    await result.click();

    const pane = alicePage.getByRole('region', { name: `Conversation with ${bob.displayName}` });
    await pane.waitFor();
    await pane.getByText('This is the beginning of your conversation').waitFor();
    await pane.getByText('You started this chat').waitFor();
    expect(await alicePage.locator('.conversation').count()).toBe(1);
    await shot(alicePage, '05-alice-chat-with-bob');

    await bobPage.reload();
    const entry = bobPage.locator('.conversation', { hasText: alice.displayName });
    await entry.waitFor();
    await entry.click();
    const bobPane = bobPage.getByRole('region', { name: `Conversation with ${alice.displayName}` });
    await bobPane.getByText(`${alice.displayName} started this chat`).waitFor();
    await shot(bobPage, '06-bob-sees-alice');
  });

  it('sends live: a message shows as sent at once and reaches the other side without a reload', async () => {
    const alicePane = alicePage.getByRole('region', { name: `Conversation with ${bob.displayName}` });
    const bobPane = bobPage.getByRole('region', { name: `Conversation with ${alice.displayName}` });
    await alicePane.getByLabel('Message').fill('Hi Bob! Are we still on for Friday?');
    await alicePane.getByLabel('Message').press('Enter');
    await alicePane.locator('.message-row.mine[data-status="sent"]', { hasText: 'still on for Friday' }).waitFor();
    await bobPane.locator('.message-row:not(.mine)', { hasText: 'still on for Friday' }).waitFor();

    // Typing shows on the other side while it lasts.
    await bobPane.getByLabel('Message').pressSequentially('Yes', { delay: 30 });
    await alicePane.getByText(`${bob.displayName} is typing…`).waitFor();
    await shot(alicePage, '07-alice-sees-typing');
    await bobPane.getByLabel('Message').fill('Yes! 7 pm at the usual place.\nI will bring the board games.');
    await bobPane.getByLabel('Message').press('Enter');
    await alicePane.locator('.message-row:not(.mine)', { hasText: 'usual place' }).waitFor();
    await bobPane.locator('.message-row.mine[data-status="sent"]', { hasText: 'usual place' }).waitFor();
    await alicePane.getByLabel('Message').fill('Perfect, see you then');
    await alicePane.getByLabel('Message').press('Enter');
    await bobPane.locator('.message-row', { hasText: 'see you then' }).waitFor();
    // Bob has it on screen, so it is read: Alice's tick turns double.
    await alicePane.locator('.message-row.mine', { hasText: 'see you then' }).getByLabel('Read').waitFor();
    await shot(alicePage, '08-alice-conversation');
    await shot(bobPage, '09-bob-conversation');
  });

  it('counts unread messages in the list while the conversation is not open', async () => {
    await bobPage.evaluate(() => (location.hash = ''));
    const alicePane = alicePage.getByRole('region', { name: `Conversation with ${bob.displayName}` });
    for (const text of ['One more thing', 'Can you bring snacks too?']) {
      await alicePane.getByLabel('Message').fill(text);
      await alicePane.getByLabel('Message').press('Enter');
    }
    await alicePane.locator('.message-row.mine[data-status="sent"]', { hasText: 'snacks' }).waitFor();
    // No reload: the count and the preview arrive through Bob's live inbox.
    const entry = bobPage.locator('.conversation', { hasText: alice.displayName });
    await entry.locator('.badge', { hasText: '2' }).waitFor();
    await entry.getByText('Can you bring snacks too?').waitFor();
    await shot(bobPage, '10-bob-unread');
    await entry.click();
    await entry.locator('.badge').waitFor({ state: 'detached' });
  });

  it('opening the same direct chat again gives the same conversation', async () => {
    await alicePage.getByRole('button', { name: 'New chat' }).click();
    await alicePage.getByLabel('Find people by username').fill(bob.username);
    await alicePage.locator(`[data-username="${bob.username}"]`).click();
    await alicePage.getByRole('region', { name: `Conversation with ${bob.displayName}` }).waitFor();
    // The sidebar goes back from the people search to the list once the chat opens: poll, do not sample.
    await expect.poll(() => alicePage.locator('.conversation').count(), { timeout: 10_000 }).toBe(1);
  });

  it('keeps the session and the open conversation across a reload', async () => {
    await alicePage.reload();
    await alicePage.getByRole('region', { name: `Conversation with ${bob.displayName}` }).waitFor();
  });

  it('returns to sign-in when the server refuses the token', async () => {
    await alicePage.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('parley.session')!);
      localStorage.setItem('parley.session', JSON.stringify({ ...session, token: 'not-a-token', refreshToken: '' }));
    });
    await alicePage.reload();
    await alicePage.getByRole('heading', { name: 'Welcome back' }).waitFor();
  });

  it('signs in again, and says so when the password is wrong', async () => {
    await alicePage.getByLabel('Username').fill(alice.username);
    await alicePage.getByLabel('Password').fill('wrong password!');
    await alicePage.getByRole('button', { name: 'Sign in' }).click();
    await alicePage.getByRole('alert').getByText('Wrong username or password').waitFor();
    await shot(alicePage, '11-wrong-password');

    await alicePage.getByLabel('Password').fill(alice.password);
    await alicePage.getByRole('button', { name: 'Sign in' }).click();
    await alicePage.locator('.conversation', { hasText: bob.displayName }).waitFor();
  });

  it('fits a phone screen: one pane at a time', async () => {
    await alicePage.locator('.conversation', { hasText: bob.displayName }).click();
    await alicePage.setViewportSize({ width: 390, height: 800 });
    const back = alicePage.getByRole('button', { name: 'Back to conversations' });
    await back.waitFor();
    expect(await alicePage.locator('.conversation').isVisible()).toBe(false);
    await shot(alicePage, '12-phone-chat');
    await back.click();
    await alicePage.locator('.conversation', { hasText: bob.displayName }).waitFor();
    await shot(alicePage, '13-phone-list');
  });

  it('signs out through the SDK: the session ends and this user\'s data leaves the device', async () => {
    await alicePage.setViewportSize({ width: 1360, height: 820 });
    const userDb = await alicePage.evaluate(() => `parley:user:${JSON.parse(localStorage.getItem('parley.session')!).user.id}`);
    const databases = () => alicePage.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(await databases()).toContain(userDb);
    await alicePage.getByRole('button', { name: 'Sign out' }).click();
    await alicePage.getByRole('heading', { name: 'Welcome back' }).waitFor();
    expect(await alicePage.evaluate(() => localStorage.getItem('parley.session'))).toBeNull();
    await expect.poll(databases).not.toContain(userDb);
  });
});
