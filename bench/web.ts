import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { AuthResponse } from '@parley/schema';
import { launchBrowser } from '../client/test/e2e/browser.ts';
import { startSystem } from '../client/test/e2e/system.ts';
import { printTable, type Table } from './report.ts';
import { bytes, median, ms } from './stats.ts';

/**
 * The web app's weight and its offline start (docs/bench.md, "6. The web app"):
 *
 * - initial JS: the scripts index.html loads before anything runs (its module
 *   script and modulepreloads), gzip -9 and brotli as the web server sends them,
 *   against the 250 KB gzip budget;
 * - offline reload: a signed-in user with 50 cached conversations, the network
 *   cut (Chromium's offline mode), reload → the 50th conversation on screen and
 *   the page answering; the shell comes from the service worker, the list from IndexedDB.
 *
 *   node --conditions=@parley/source --import tsx bench/web.ts    (builds the app if stale)
 */

const BUDGET_GZIP = 250 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'client/web/dist');

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

export async function offlineReload(conversations = 50, samples = 5): Promise<{ samples: number[]; domContentLoaded: number[] }> {
  const system = await startSystem();
  const browser = await launchBrowser();
  try {
    const post = async <T>(p: string, body: unknown, token?: string): Promise<T> => {
      const res = await fetch(`${system.url}/api${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const me = await post<AuthResponse>('/auth/register', { username: `bench_${Date.now().toString(36)}`, password: 'correct horse battery', displayName: 'Bench' });
    for (let i = 1; i <= conversations; i++) await post('/conversations', { type: 'group', title: `Bench group ${String(i).padStart(2, '0')}`, memberIds: [] }, me.token);

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
  } finally {
    await browser.close();
    await system.stop();
  }
}

export async function webBench(): Promise<Table[]> {
  const reload = await offlineReload();
  // startSystem built the app if it was stale: measure that build.
  const js = initialJs();
  return [
    {
      id: 'web-weight',
      title: 'Web app: initial JS (what index.html loads before anything runs)',
      columns: ['files', 'raw', 'gzip -9', 'brotli 9', 'budget (gzip)', 'within'],
      rows: [[String(js.files.length), bytes(js.raw), bytes(js.gzip), bytes(js.brotli), bytes(BUDGET_GZIP), js.gzip <= BUDGET_GZIP ? 'yes' : '**no**']],
      notes: [`files: ${js.files.join(', ')}`],
    },
    {
      id: 'web-offline-reload',
      title: 'Web app: offline reload with 50 cached conversations (service worker shell, IndexedDB list)',
      columns: ['samples', 'reload → 50th conversation shown, p50', 'min', 'max', 'DOMContentLoaded p50'],
      rows: [[String(reload.samples.length), ms(median(reload.samples)), ms(Math.min(...reload.samples)), ms(Math.max(...reload.samples)), ms(median(reload.domContentLoaded))]],
      notes: ['Chromium headless, context offline; the clock starts at reload() and stops when the list shows its last entry and the main thread answers.'],
    },
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const table of await webBench()) printTable(table);
}
