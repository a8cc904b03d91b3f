import { WebSocket } from 'ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@parley/schema/db';
import { ParleyClient } from '@parley/client/sdk';
import { seedHistory } from '../../../bench/seed.ts';
import { launchBrowser } from './browser.ts';
import { startSystem, type RunningSystem } from './system.ts';

/**
 * The chat's features in a real browser, each user in a context of their own:
 * message actions seen live by the other side, a group managed in the UI, XSS
 * payloads shown as text, the zh-CN locale, and a 10,000-message history that
 * keeps the DOM small.
 */
describe('web app features', () => {
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const run = Date.now().toString(36).slice(-5);
  const password = 'correct horse battery';
  const XSS_NAME = `<img src=x onerror="window.__xss=1">Carol`;
  const people = {
    alice: { username: `al_${run}`, displayName: 'Alice Martin' },
    bob: { username: `bo_${run}`, displayName: 'Bob Okafor' },
    carol: { username: `ca_${run}`, displayName: XSS_NAME },
    dave: { username: `da_${run}`, displayName: 'Dave Li' },
    erin: { username: `er_${run}`, displayName: 'Erin Wu' },
  };
  const ids: Record<string, { id: string; token: string }> = {};

  async function newPage(options: { locale?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: options.locale ?? 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => void d.accept());
    return page;
  }

  async function signIn(page: Page, who: { username: string }, labels = { username: 'Username', password: 'Password', submit: 'Sign in' }): Promise<void> {
    await page.goto(system.url);
    await page.getByLabel(labels.username).fill(who.username);
    await page.getByLabel(labels.password).fill(password);
    await page.getByRole('button', { name: labels.submit, exact: true }).click();
  }

  const pane = (page: Page) => page.locator('section.pane.messages');
  const row = (page: Page, text: string) => pane(page).locator('.message-row', { hasText: text });
  async function send(page: Page, text: string): Promise<void> {
    const box = pane(page).getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
    await pane(page).locator('.message-row.mine[data-status="sent"]', { hasText: text }).first().waitFor();
  }
  async function open(page: Page, title: string): Promise<void> {
    await page.locator('.conversation', { hasText: title }).first().click();
    await pane(page).locator('.pane-title h2', { hasText: title }).waitFor();
  }

  beforeAll(async () => {
    system = await startSystem();
    browser = await launchBrowser();
    for (const [key, who] of Object.entries(people)) {
      const auth = await ParleyClient.register(system.url, { ...who, password });
      ids[key] = { id: auth.user.id, token: auth.token };
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    const code = await system?.stop();
    expect(code, system?.output()).toBe(0);
  });

  let alice: Page;
  let bob: Page;
  let carol: Page;

  it('reply with a jump, edit (Up arrow), reactions and recall: each seen live by the other side', async () => {
    alice = await newPage();
    bob = await newPage();
    await signIn(alice, people.alice);
    await signIn(bob, people.bob);
    await alice.getByRole('button', { name: 'New chat' }).click();
    await alice.getByLabel('Find people by username').fill(people.bob.username);
    await alice.locator(`[data-username="${people.bob.username}"]`).click();
    await send(alice, 'Lunch at noon?');
    for (let i = 1; i <= 3; i++) await send(alice, `filler ${i}`);

    await open(bob, people.alice.displayName);
    const original = row(bob, 'Lunch at noon?');
    await original.hover();
    await original.getByRole('button', { name: 'Reply' }).click();
    await pane(bob).getByText('Replying to Alice Martin').waitFor();
    await send(bob, 'Sure, where?');

    // Alice sees the quote, and the quote takes her to the original.
    const reply = row(alice, 'Sure, where?');
    await reply.locator('.quote', { hasText: 'Lunch at noon?' }).click();
    await pane(alice).locator('.message-row.flash', { hasText: 'Lunch at noon?' }).waitFor();

    // Up arrow in the empty box edits her last message.
    const box = pane(alice).getByRole('textbox', { name: 'Message' });
    await box.press('ArrowUp');
    await pane(alice).getByText('Editing message').waitFor();
    expect(await box.inputValue()).toBe('filler 3');
    await box.fill('filler three, edited');
    await box.press('Enter');
    await row(bob, 'filler three, edited').locator('.edited').waitFor();

    // A reaction from Bob, with his name on it, live for Alice.
    const target = row(bob, 'filler three, edited');
    await target.hover();
    await target.getByRole('button', { name: 'React' }).click();
    await bob.getByRole('dialog', { name: 'Emoji' }).getByRole('button', { name: '👍' }).click();
    await row(alice, 'filler three, edited').getByRole('button', { name: '👍 1: Bob Okafor' }).waitFor();

    // Recall through the context menu: both sides see the placeholder.
    await send(alice, 'oops, wrong chat');
    await row(alice, 'oops, wrong chat').locator('.bubble').click({ button: 'right' });
    await alice.getByRole('menuitem', { name: 'Recall' }).click();
    await pane(bob).locator('.message-row', { hasText: 'Message recalled' }).waitFor();
    await pane(alice).locator('.message-row', { hasText: 'Message recalled' }).waitFor();
    expect(await pane(bob).getByText('oops, wrong chat').count()).toBe(0);

    // Bob cannot edit or recall Alice's message: the menu does not offer it.
    const theirs = row(bob, 'filler 2');
    await theirs.locator('.bubble').click({ button: 'right' });
    await bob.getByRole('menuitem', { name: 'Reply' }).waitFor();
    expect(await bob.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0);
    expect(await bob.getByRole('menuitem', { name: 'Recall' }).count()).toBe(0);
    await bob.keyboard.press('Escape');
  });

  it('a group of three made in the UI: renamed, one added, one removed; names on messages, read by names; the removed one is cut off', async () => {
    carol = await newPage();
    await signIn(carol, people.carol);
    await carol.getByRole('complementary', { name: 'Conversations' }).waitFor();

    await alice.getByRole('button', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill('<b>Weekend</b> plans');
    await alice.getByLabel('Find people by username').fill(people.bob.username);
    await alice.getByRole('button', { name: `Add ${people.bob.displayName}` }).click();
    await alice.getByRole('button', { name: 'Create group' }).click();
    await pane(alice).locator('.pane-title h2', { hasText: '<b>Weekend</b> plans' }).waitFor();

    // Bob has it without a reload, the title as text.
    await open(bob, '<b>Weekend</b> plans');
    await pane(bob).getByText('Alice Martin created the group').waitFor();

    // Rename, live for Bob.
    const details = alice.getByRole('complementary', { name: 'Conversation details' });
    await details.getByRole('button', { name: 'Rename' }).click();
    await details.getByLabel('Group name').fill('Weekend trip');
    await details.getByRole('button', { name: 'Save' }).click();
    await pane(bob).locator('.pane-title h2', { hasText: 'Weekend trip' }).waitFor();
    await pane(bob).getByText('Alice Martin renamed the group to “Weekend trip”').waitFor();

    // Add Carol.
    await details.getByRole('button', { name: 'Add members' }).click();
    await details.getByLabel('Find people by username').fill(people.carol.username);
    await details.getByRole('button', { name: `Add ${XSS_NAME}` }).click();
    await details.locator('.member', { hasText: XSS_NAME }).waitFor();
    await open(carol, 'Weekend trip');

    // Names on others' messages.
    await send(carol, 'Count me in');
    await row(alice, 'Count me in').locator('.sender-name', { hasText: XSS_NAME }).waitFor();
    await send(bob, 'Me too');
    await row(alice, 'Me too').locator('.sender-name', { hasText: 'Bob Okafor' }).waitFor();
    // System messages name people; on one's own screen the actor is "You".
    await pane(alice).getByText(`You added ${XSS_NAME}`).waitFor();
    await pane(bob).getByText(`Alice Martin added ${XSS_NAME}`).waitFor();

    // Read by 2, with the names on click.
    await send(alice, 'Train at 9');
    const readBy = row(alice, 'Train at 9').getByRole('button', { name: 'Read by 2' });
    await readBy.click();
    const readers = row(alice, 'Train at 9').getByRole('list', { name: 'Read by' });
    await readers.getByText('Bob Okafor').waitFor();
    await readers.getByText(XSS_NAME).waitFor();

    // Remove Bob: he stops receiving and cannot send.
    await details.getByRole('button', { name: 'Remove Bob Okafor' }).click();
    await details.locator('.member', { hasText: 'Bob Okafor' }).waitFor({ state: 'detached' });
    await send(alice, 'Bob is out');
    await row(carol, 'Bob is out').waitFor();
    // If Bob's screen still offers the box, what he sends is refused and the conversation turns read-only.
    const bobBox = pane(bob).getByRole('textbox', { name: 'Message' });
    // (It may vanish under the typing, as his screen learns of the removal: that is the point.)
    if (await bobBox.count()) {
      await bobBox.fill('am I still in?', { timeout: 3000 }).catch(() => undefined);
      await bobBox.press('Enter', { timeout: 3000 }).catch(() => undefined);
    }
    await expect
      .poll(async () => (await bob.getByRole('textbox', { name: 'Message' }).count()) === 0 || (await bob.getByText('You are no longer a member of this group.').count()) > 0, { timeout: 15_000 })
      .toBe(true);
    expect(await bob.getByText('Bob is out').count()).toBe(0);
    expect(await carol.getByText('am I still in?').count()).toBe(0);
  });

  it('renders XSS payloads in names, titles and messages as text', async () => {
    await send(alice, '<script>window.__xss=1</script> and javascript:alert(1) and https://example.com/ok');
    const hit = row(carol, '<script>window.__xss=1</script>');
    await hit.waitFor();
    expect(await hit.locator('a').count()).toBe(1);
    expect(await hit.locator('a').getAttribute('href')).toBe('https://example.com/ok');
    expect(await hit.locator('a').getAttribute('rel')).toBe('noopener noreferrer');
    for (const page of [alice, bob, carol]) {
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.locator('b', { hasText: 'Weekend' }).count()).toBe(0);
    }
  });

  it('search across conversations highlights hits, says "no results", and opens the message', async () => {
    await alice.getByRole('searchbox', { name: 'Search conversations and messages' }).fill('noon');
    const hit = alice.locator('.search-hit', { hasText: 'Lunch at' });
    await hit.locator('mark', { hasText: 'noon' }).waitFor();
    await hit.click();
    await pane(alice).locator('.message-row.mine.flash', { hasText: 'Lunch at noon?' }).waitFor();
    await alice.getByRole('searchbox', { name: 'Search conversations and messages' }).fill('zzzznothing');
    await alice.getByText('No results for “zzzznothing”.').waitFor();
    await alice.getByRole('searchbox', { name: 'Search conversations and messages' }).fill('');
  });

  it('speaks Chinese to a zh-CN browser', async () => {
    const page = await newPage({ locale: 'zh-CN' });
    await page.goto(system.url);
    await page.getByRole('heading', { name: '欢迎回来' }).waitFor();
    await signIn(page, people.alice, { username: '用户名', password: '密码', submit: '登录' });
    await page.getByRole('complementary', { name: '会话' }).waitFor();
    await page.getByRole('button', { name: '新建聊天' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  });

  it('a 10,000-message conversation scrolls back with at most ~100 rows in the DOM', async () => {
    const client = new ParleyClient({ serverUrl: system.url, token: ids.dave!.token, userId: ids.dave!.id, WebSocket: WebSocket as never, storage: 'memory', broadcastChannel: false, logLevel: 'silent' });
    const conversation = await client.createDirectConversation(ids.erin!.id);
    await client.destroy();
    // Straight into the index, as an import would: 10,000 sends would time the write path instead.
    const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: system.dataDir });
    const { lastSeq } = await seedHistory(store.db, conversation.id, [ids.dave!.id, ids.erin!.id], 10_000);
    // Dave has read it all: the conversation opens at the newest, not at a first unread.
    await store.db.updateTable('members').set({ last_read_seq: lastSeq }).where('conversation_id', '=', conversation.id).where('user_id', '=', ids.dave!.id).execute();
    await store.close();

    const page = await newPage();
    await signIn(page, people.dave);
    await open(page, 'Erin Wu');
    await row(page, 'history message 10001').waitFor();
    const rows = () => pane(page).locator('.message-item').count();
    const lowest = () => pane(page).locator('.message-item[data-seq]').evaluateAll((els) => Math.min(...els.map((e) => Number(e.getAttribute('data-seq')))));
    let previous = await lowest();
    let max = await rows();
    for (let i = 0; i < 8; i++) {
      await page.locator('.message-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
      await expect.poll(lowest, { timeout: 10_000 }).toBeLessThan(previous);
      previous = await lowest();
      max = Math.max(max, await rows());
    }
    expect(previous).toBeLessThan(10_001 - 300);
    expect(max).toBeLessThanOrEqual(100);
  });

  it('opens a conversation with unread messages at the first unread, with a way to the newest', async () => {
    // Erin has read none of Dave's 5,000 seeded messages; nothing is cached in her browser.
    const page = await newPage();
    // She is placed on the oldest loaded unread, under the divider. The divider then moves up,
    // out of the rows in the DOM, as older pages (more unread) go in front, maybe before a poll
    // from here sees it: a watcher in the page notes whether it was ever inside the list's view.
    await page.addInitScript(() => {
      const inView = () => {
        const el = document.querySelector('.unread-divider');
        const view = document.querySelector('.message-scroll')?.getBoundingClientRect();
        if (!el || !view || !el.checkVisibility({ visibilityProperty: true })) return false;
        const divider = el.getBoundingClientRect();
        return divider.height > 0 && divider.top >= view.top && divider.bottom <= view.bottom;
      };
      const seen = () => ((globalThis as { dividerSeen?: boolean }).dividerSeen ||= inView());
      new MutationObserver(seen).observe(document, { childList: true, subtree: true });
      document.addEventListener('scroll', seen, { capture: true, passive: true });
    });
    await signIn(page, people.erin);
    await open(page, 'Dave Li');
    await expect.poll(() => page.evaluate(() => (globalThis as { dividerSeen?: boolean }).dividerSeen), { timeout: 10_000 }).toBe(true);
    expect(await row(page, 'history message 10001').count()).toBe(0);
    const inMiddle = () => page.locator('.message-scroll').evaluate((el) => {
      const view = el.getBoundingClientRect();
      const y = view.top + view.height / 2;
      const at = [...el.querySelectorAll('.message-item[data-seq]')].find((e) => { const r = e.getBoundingClientRect(); return r.top <= y && r.bottom >= y; });
      return at?.getAttribute('data-seq') ?? null;
    });
    const placed = await inMiddle();
    // The first older page goes in front and the reader is not thrown to the newest (the list used to be).
    await expect.poll(() => page.locator('.message-scroll').evaluate((el) => el.scrollTop), { timeout: 10_000 }).toBeGreaterThan(1000);
    // Nor moved: the row in the middle of the view is still in view.
    const stillShown = await page.locator('.message-scroll').evaluate((el, seq) => {
      const view = el.getBoundingClientRect();
      const r = el.querySelector(`.message-item[data-seq="${seq}"]`)?.getBoundingClientRect();
      return !!r && r.bottom > view.top && r.top < view.bottom;
    }, placed);
    expect(placed).not.toBeNull();
    expect(stillShown).toBe(true);
    expect(await row(page, 'history message 10001').count()).toBe(0);
    await page.locator('.jump-latest').click();
    await row(page, 'history message 10001').waitFor();
  });
});
