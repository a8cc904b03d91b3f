import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { userParts, windowMessages } from '@parley/schema';
import { TEST_JWT_SECRET, freePort } from '../sync-server/test/harness.ts';
import { connect, waitFor } from '../sync-server/test/clients.ts';
import { memoryStorage } from '../client/src/sdk/index.ts';
import { Uploads } from '../client/src/sdk/uploads/index.ts';
import { group, mp4Head, randomFile, register } from '../media-server/test/setup.ts';
import { cleanupAll, onCleanup, trackChild } from './cleanup.ts';
import { printTable, type Table } from './report.ts';
import { database, parleyChild } from './servers.ts';
import { bytes, ms, ratio, sleep } from './stats.ts';

/**
 * Media: a large file through the SDK's uploads part into the real
 * media-server (its own process, file store), and back out with one GET, each
 * beside a plain read/write copy of the same file on the same disk in the same
 * run. The media-server's RSS is sampled throughout: it must stay flat.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

export interface MediaResult {
  sizeBytes: number;
  copyMs: number;
  uploadMs: number;
  downloadMs: number;
  rssIdleBytes: number;
  rssPeakUploadBytes: number;
  rssPeakDownloadBytes: number;
  finishToVisibleMs: number;
  chunkBytes: number;
}

export async function mediaBench(options: { sizeMB: number }): Promise<MediaResult> {
  const { database: db, drop } = await database('sqlite');
  const sync = await parleyChild(db);
  const media = await mediaChild(db.dataDir);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-media-'));
  const removeDir = onCleanup('remove media bench files', () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const a = await register(sync.url, 'alice');
    const b = await register(sync.url, 'bob');
    const conversationId = await group({ sync }, a, [b]);
    const size = options.sizeMB * 1024 * 1024;
    const source = await randomFile(dir, 'big.mp4', size, mp4Head());

    // Baseline: the same bytes through a read/write loop on the same disk.
    let t = performance.now();
    await pipeline(fs.createReadStream(source.file), fs.createWriteStream(path.join(dir, 'copy.mp4')));
    const copyMs = performance.now() - t;
    fs.rmSync(path.join(dir, 'copy.mp4'));

    const sender = await connect(sync.wsUrl, a);
    const reader = await connect(sync.wsUrl, b);
    await reader.open(conversationId);

    const rssIdleBytes = await rssOf(media.pid);
    const chunkBytes = 8 * 1024 * 1024;
    const uploads = new Uploads({ endpoint: `${media.url}/files/`, getToken: () => a.token, storage: memoryStorage(), chunkSize: chunkBytes });
    const sampling = sampleRss(media.pid);
    t = performance.now();
    const handle = uploads.start({ name: 'big.mp4', type: 'video/mp4', size, data: fs.createReadStream(source.file) }, { conversationId });
    const descriptor = await handle.result;
    const uploadMs = performance.now() - t;
    const rssPeakUploadBytes = sampling.stop();

    // Finished upload → the media message in the other member's copy of the conversation.
    t = performance.now();
    const messageId = randomUUID();
    userParts(sender.user.doc).outbox.push([{ id: randomUUID(), type: 'send', conversationId, messageId, kind: 'video', text: '', media: descriptor, createdAt: Date.now() } as never]);
    await waitFor(() => reader.messages(conversationId).some((m) => m.id === messageId), 30_000, 'media message at the reader');
    const finishToVisibleMs = performance.now() - t;
    if (!windowMessages(reader.conversations.get(conversationId)!.doc).some((m) => m.id === messageId)) throw new Error('broken: message not visible');

    const downloading = sampleRss(media.pid);
    t = performance.now();
    const res = await fetch(new URL(descriptor.url, media.url), { headers: { Authorization: `Bearer ${b.token}` } });
    if (res.status !== 200 || !res.body) throw new Error(`broken: download answered ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(path.join(dir, 'download.mp4')));
    const downloadMs = performance.now() - t;
    const rssPeakDownloadBytes = downloading.stop();
    if (fs.statSync(path.join(dir, 'download.mp4')).size !== size) throw new Error('broken: download size differs');

    sender.destroy();
    reader.destroy();
    return { sizeBytes: size, copyMs, uploadMs, downloadMs, rssIdleBytes, rssPeakUploadBytes, rssPeakDownloadBytes, finishToVisibleMs, chunkBytes };
  } finally {
    await media.stop();
    await sync.stop();
    await removeDir();
    await drop();
  }
}

export function mediaTable(r: MediaResult): Table {
  const mbps = (ms: number) => `${(r.sizeBytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MB/s`;
  return {
    id: 'media',
    title: `Media: one ${bytes(r.sizeBytes)} file (media-server in its own process, file store, SQLite)`,
    columns: ['figure', 'value', 'baseline', 'ratio', 'baseline is'],
    rows: [
      ['upload (SDK → tus → disk)', mbps(r.uploadMs), mbps(r.copyMs), ratio(r.copyMs, r.uploadMs), 'read/write copy of the file on the same disk'],
      ['download (GET → disk)', mbps(r.downloadMs), mbps(r.copyMs), ratio(r.copyMs, r.downloadMs), 'same'],
      ['media-server RSS, peak during upload', bytes(r.rssPeakUploadBytes), bytes(r.rssIdleBytes), ratio(r.rssPeakUploadBytes, r.rssIdleBytes), 'idle, before the upload'],
      ['media-server RSS, peak during download', bytes(r.rssPeakDownloadBytes), bytes(r.rssIdleBytes), ratio(r.rssPeakDownloadBytes, r.rssIdleBytes), 'same'],
      ['finished upload → message visible at the other client', ms(r.finishToVisibleMs), '', '', ''],
    ],
    notes: [
      `Upload in ${r.chunkBytes / 1024 / 1024} MiB PATCHes over loopback; the time includes the magic-byte sniff on finish. Ratios are throughput ÷ copy throughput.`,
      'The copy, the upload and the download all run with the file likely in the page cache; the disk is shared with the other work on the machine.',
    ],
  };
}

/** The real media-server (`main.ts`) in its own process, on the sync-server's data folder. */
async function mediaChild(dataDir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../media-server/src/main.ts')], {
    cwd: path.join(here, '../media-server'),
    env: { ...process.env, MEDIA_PORT: String(port), MEDIA_HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir, DATABASE_URL: '', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onCleanup('stop media-server', async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('broken: media-server exited at start');
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('broken: media-server did not start');
    await sleep(100);
  }
  return { url, pid: child.pid!, stop };
}

async function rssOf(pid: number): Promise<number> {
  try {
    const status = await fs.promises.readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
  } catch {
    // Not Linux: ps reports kilobytes too.
    const { execFileSync } = await import('node:child_process');
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()) * 1024;
  }
}

function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    void rssOf(pid).then((rss) => (peak = Math.max(peak, rss)));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

// `node --import tsx bench/media.ts [MB]`: this benchmark alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    printTable(mediaTable(await mediaBench({ sizeMB: Number(process.argv[2] ?? process.env.BENCH_MEDIA_MB ?? 2048) })));
  } finally {
    await cleanupAll();
  }
}
