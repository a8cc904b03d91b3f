import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { Browser } from 'playwright-core';
import type { AuthResponse } from '@parley/schema';
import { launchBrowser } from '../client/test/e2e/browser.ts';
import { startSystem, type RunningSystem } from '../client/test/e2e/system.ts';
import { onCleanup } from './cleanup.ts';
import { printTable, type Table } from './report.ts';
import { bytes, median, ms, ratio } from './stats.ts';
import { featureCosts } from './web-cost.ts';
import { scrollFrames, type ScrollResult } from './web-scroll.ts';

/**
 * The web app's weight and its offline start (docs/bench.md, "6. The web app"):
 *
 * - initial JS: the scripts index.html loads before anything runs (its module
 *   script and modulepreloads), gzip -9 and brotli as the web server sends them,
 *   against the 250 KB gzip budget;
 * - offline reload: a signed-in user with 50 cached conversations, the network
 *   cut (Chromium's offline mode), reload → the 50th conversation on screen and
 *   the page answering; the shell comes from the service worker, the list from IndexedDB;
 * - frame times while scrolling up through a 10,000-message history (web-scroll.ts);
 * - what the emoji picker and i18n cost in bytes (web-cost.ts).
 *
 *   node --conditions=@parley/source --import tsx bench/web.ts    (builds the app if stale)
 */

const BUDGET_GZIP = 250 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'client/web/dist');

function frameRow(f: ScrollResult['floor']): string[] {
  return [String(f.frames.n), ms(f.frames.p50), ms(f.p95), ms(f.frames.p99), ms(f.frames.max), String(f.longFrames), String(f.dropped), String(f.maxRows), f.scrolledBack.toLocaleString('en')];
}

export function initialJs(): { files: string[]; raw: number; gzip: number; brotli: number } {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((m) => m[1]!);
  let raw = 0;
  let gzip = 0;
  let brotli = 0;
  for (const file of files) {
    const body = fs.readFileSync(path.join(dist, file));
    raw += body.length;
    gzip += zlib.gzipSync(body, { level: 9 }).length;
    brotli += zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 } }).length;
  }
  return { files, raw, gzip, brotli };
}

/** A POST to the running system's API (for setting up users and conversations). */
export async function post<T>(system: RunningSystem, p: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${system.url}/api${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`broken: ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

let users = 0;
export const registerUser = (system: RunningSystem, name: string) =>
  post<AuthResponse>(system, '/auth/register', { username: `bench_${Date.now().toString(36)}${users++}`, password: 'correct horse battery', displayName: name });

export async function offlineReload(system: RunningSystem, browser: Browser, conversations = 50, samples = 5): Promise<{ samples: number[]; domContentLoaded: number[] }> {
  {
    const me = await registerUser(system, 'Bench');
    for (let i = 1; i <= conversations; i++) await post(system, '/conversations', { type: 'group', title: `Bench group ${String(i).padStart(2, '0')}`, memberIds: [] }, me.token);

    const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    const page = await context.newPage();
    await page.goto(system.url);
    // The app's session, as sign-in leaves it.
    await page.evaluate((auth) => localStorage.setItem('parley.session', JSON.stringify(auth)), me);
    await page.reload();
    const last = page.getByText(`Bench group ${String(conversations).padStart(2, '0')}`).first();
    await last.waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
    await context.setOffline(true);

    const times: number[] = [];
    const dcl: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await page.reload({ waitUntil: 'commit' });
      await last.waitFor({ timeout: 30_000 });
      // Interactive: the main thread answers a task right after the list is there.
      await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      times.push(performance.now() - started);
      dcl.push(await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return nav ? nav.domContentLoadedEventEnd : NaN;
      }));
    }
    await context.close();
    return { samples: times, domContentLoaded: dcl };
  }
}

export async function webBench(options: { reloads: number; history: number; scrollMs: number } = { reloads: 5, history: 10_000, scrollMs: 8000 }): Promise<{ tables: Table[]; raw: unknown }> {
  // A shared machine may need minutes for the first build (tsc -b, vite build).
  const system = await startSystem(900_000);
  const stopSystem = onCleanup('stop Parley (web bench)', () => void system.stop());
  const browser = await launchBrowser();
  const closeBrowser = onCleanup('close Chromium', () => browser.close());
  let reload: Awaited<ReturnType<typeof offlineReload>>;
  let scroll: ScrollResult;
  try {
    reload = await offlineReload(system, browser, 50, options.reloads);
    scroll = await scrollFrames(system, browser, options.history, options.scrollMs);
  } finally {
    await closeBrowser();
    await stopSystem();
  }
  // startSystem built the app if it was stale: measure that build.
  const js = initialJs();
  const costs = await featureCosts();
  const tables: Table[] = [
    {
      id: 'web-weight',
      title: 'Web app: initial JS (what index.html loads before anything runs)',
      columns: ['files', 'raw', 'gzip -9', 'brotli 9', 'budget (gzip)', 'against the budget'],
      rows: [[String(js.files.length), bytes(js.raw), bytes(js.gzip), bytes(js.brotli), bytes(BUDGET_GZIP),
        js.gzip <= BUDGET_GZIP ? `under by ${bytes(BUDGET_GZIP - js.gzip)}` : `**over by ${bytes(js.gzip - BUDGET_GZIP)}**`]],
      notes: [`files: ${js.files.join(', ')}`],
    },
    {
      id: 'web-offline-reload',
      title: 'Web app: offline reload with 50 cached conversations (service worker shell, IndexedDB list)',
      columns: ['samples', 'reload → 50th conversation shown, p50', 'min', 'max', 'DOMContentLoaded p50'],
      rows: [[String(reload.samples.length), ms(median(reload.samples)), ms(Math.min(...reload.samples)), ms(Math.max(...reload.samples)), ms(median(reload.domContentLoaded))]],
      notes: ['Chromium headless, context offline; the clock starts at reload() and stops when the list shows its last entry and the main thread answers.'],
    },
    {
      id: 'web-scroll',
      title: `Web app: frame times while scrolling up through a ${options.history.toLocaleString('en')}-message history (virtualized list, pages of 50 loaded at the top)`,
      columns: ['page', 'frames', 'frame p50', 'p95', 'p99', 'worst', 'long frames (> 50 ms)', 'dropped (> 33 ms)', 'rows in DOM, most', 'messages scrolled back'],
      rows: [
        ['web app', ...frameRow(scroll)],
        ['static rows (floor)', ...frameRow(scroll.floor)],
        ['web app ÷ floor', '', ratio(scroll.frames.p50, scroll.floor.frames.p50), ratio(scroll.p95, scroll.floor.p95), ratio(scroll.frames.p99, scroll.floor.frames.p99), '', '', '', '', ''],
      ],
      notes: [
        `Chromium headless (no GPU), ${options.scrollMs / 1000} s of requestAnimationFrame deltas while the list's scroller moves 120 px up on every frame; history seeded into the index.`,
        'Floor: the same flick in the same browser over a static page holding every message as a plain styled row (no React, no virtualization, nothing loaded while scrolling).',
      ],
    },
    {
      id: 'web-features',
      title: 'Web app: what the emoji picker and i18n cost (bundled alone, minified, React left out)',
      columns: ['feature', 'minified', 'gzip -9', 'share of the initial JS (gzip)', 'modules'],
      rows: costs.map((c) => [c.feature, bytes(c.raw), bytes(c.gzip), `${((100 * c.gzip) / js.gzip).toFixed(1)} %`, c.modules]),
      notes: ['Both are in the app\'s entry chunk (no lazy chunk of their own), so each is bundled on its own with esbuild to read its weight.'],
    },
  ];
  return { tables, raw: { initialJs: js, reload, scroll, costs } };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const table of (await webBench()).tables) printTable(table);
}
