import type { Browser } from 'playwright-core';
import { openStore } from '@parley/schema/db';
import type { RunningSystem } from '../client/test/e2e/system.ts';
import { seedHistory } from './seed.ts';
import { distribution, type Distribution } from './stats.ts';
import { post, registerUser } from './web.ts';

/**
 * Frame times while a reader scrolls up through a long history in Chromium:
 * a direct conversation with `history` messages seeded into the index, opened
 * in the web app, then for `durationMs` the message list's scroller moves up
 * 120 px on every animation frame (a fast, steady flick) while the app loads
 * pages of 50 at the top. Every requestAnimationFrame delta is a frame time.
 */

export interface ScrollResult extends FrameFigures {
  /** The floor: the same flick in the same browser over a static page of plain rows (no React, no virtualization). */
  floor: FrameFigures;
}

interface FrameFigures {
  frames: Distribution;
  p95: number;
  /** Frames over 50 ms (the browser's long-task threshold). */
  longFrames: number;
  /** Frames over 33 ms: at least one 60 Hz frame missed. */
  dropped: number;
  maxRows: number;
  scrolledBack: number;
}

/**
 * Runs in the page. A string, not a function: the bench runs under tsx, whose
 * transform names functions through a helper that does not exist in the page.
 */
const IN_PAGE = `async (ms) => {
  const el = document.querySelector('.message-scroll');
  if (!el) throw new Error('no .message-scroll');
  const seqs = () => [...document.querySelectorAll('.message-item[data-seq]')].map((e) => Number(e.dataset.seq));
  const newest = Math.max(...seqs());
  const deltas = [];
  let maxRows = 0;
  let lowest = newest;
  await new Promise((resolve) => {
    let last = performance.now();
    const end = last + ms;
    const frame = (t) => {
      deltas.push(t - last);
      last = t;
      if (deltas.length % 10 === 0) {
        const now = seqs();
        maxRows = Math.max(maxRows, now.length);
        lowest = Math.min(lowest, ...now);
      }
      el.scrollTop = Math.max(0, el.scrollTop - 120);
      if (t < end) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  lowest = Math.min(lowest, ...seqs());
  return { deltas: deltas.slice(1), maxRows, scrolledBack: newest - lowest };
}`;

export async function scrollFrames(system: RunningSystem, browser: Browser, history: number, durationMs: number): Promise<ScrollResult> {
  const reader = await registerUser(system, 'Reader');
  const writer = await registerUser(system, 'Writer');
  const { conversation } = await post<{ conversation: { id: string } }>(system, '/conversations', { type: 'direct', memberIds: [writer.user.id] }, reader.token);
  // Straight into the index, as an import would (the same SQLite file the running server uses).
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: system.dataDir });
  const { lastSeq } = await seedHistory(store.db, conversation.id, [reader.user.id, writer.user.id], history);
  // Read to the end: the conversation opens at the newest, not at a first unread.
  await store.db.updateTable('members').set({ last_read_seq: lastSeq }).where('conversation_id', '=', conversation.id).where('user_id', '=', reader.user.id).execute();
  await store.close();

  const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
  try {
    const page = await context.newPage();
    await page.goto(system.url);
    await page.evaluate((auth) => localStorage.setItem('parley.session', JSON.stringify(auth)), reader);
    await page.reload();
    await page.locator('.conversation', { hasText: 'Writer' }).first().click();
    await page.locator('.message-item[data-seq]').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    const app = figures(await page.evaluate(`(${IN_PAGE})(${durationMs})`));
    await page.setContent(staticHistory(history));
    await page.waitForTimeout(500);
    return { ...app, floor: figures(await page.evaluate(`(${IN_PAGE})(${durationMs})`)) };
  } finally {
    await context.close();
  }
}

function figures(measured: { deltas: number[]; maxRows: number; scrolledBack: number }): FrameFigures {
  const sorted = [...measured.deltas].sort((a, b) => a - b);
  return {
    frames: distribution(measured.deltas),
    p95: sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] ?? NaN,
    longFrames: measured.deltas.filter((d) => d > 50).length,
    dropped: measured.deltas.filter((d) => d > 33.4).length,
    maxRows: measured.maxRows,
    scrolledBack: measured.scrolledBack,
  };
}

/** Every message as a plain bubble-like row, scrolled to the newest: what the browser alone costs. */
function staticHistory(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const seq = i + 2;
    const side = seq % 2 ? 'flex-start' : 'flex-end';
    return `<div class="message-item" data-seq="${seq}" style="display:flex;justify-content:${side};padding:1px 24px"><div style="max-width:560px;padding:8px 12px 6px;border-radius:18px;background:#fff;box-shadow:0 1px 1px rgb(16 24 40 / .06)">history message ${seq}: the quick brown fox jumps over the lazy dog <small>1:37 AM</small></div></div>`;
  });
  return `<body style="margin:0;background:#f4f5f8;font:15px system-ui,sans-serif"><div class="message-scroll" style="height:100vh;overflow-y:auto">${rows.join('')}</div><script>document.querySelector('.message-scroll').scrollTop = 1e9</script></body>`;
}
