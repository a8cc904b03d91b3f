import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyError, type AuthResponse } from '@parley/schema';
import { memoryStorage } from '../src/sdk/index.ts';
import { client, until } from './helpers.ts';
import { Uploads, type OnlineSignal, type UploadFile, type UploadHandle } from '../src/sdk/uploads/index.ts';
import { downloadSha256, group, mp4Head, randomFile, samplePng, register, startWorld, type MediaWorld } from '../../media-server/test/setup.ts';

/**
 * The SDK's uploads part against a real media-server, real bytes through tus.
 * The resume test is issue 8's "Resume in Node": interrupted at ~40 %, resumed
 * from the URL the SDK stored, SHA-256 equal, at most one chunk sent twice.
 * `npm test` runs it at MEDIA_RESUME_MB (64 by default); `npm run test:media-large` at 1 GB.
 */
const SIZE_MB = Number(process.env.MEDIA_RESUME_MB ?? 64);
const CHUNK = 8 * 1024 * 1024;

describe('SDK uploads', () => {
  let world: MediaWorld;
  let dir: string;
  let a: AuthResponse;
  let b: AuthResponse;
  let conversationId: string;
  const endpoint = () => `${world.url}/files/`;
  const fileFrom = (file: string, type = 'video/mp4', name = path.basename(file)): UploadFile => ({
    name, type, size: fs.statSync(file).size, lastModified: 1, data: fs.createReadStream(file),
  });

  beforeAll(async () => {
    world = await startWorld('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-uploads-'));
    a = await register(world.sync.url, 'alice');
    b = await register(world.sync.url, 'bob');
    conversationId = await group(world, a, [b]);
  });

  afterAll(async () => {
    await world?.media.close();
    await world?.sync.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`resumes a ${SIZE_MB} MB upload from the stored URL after a reload at ~40 %; SHA-256 equal, at most one chunk re-sent`, async () => {
    const size = SIZE_MB * 1024 * 1024;
    // An mp4 header, so the finished upload passes the sniff as the video it claims to be.
    const source = await randomFile(dir, 'big.mp4', size, mp4Head());
    const storage = memoryStorage();

    // First session: stops at ~40 %, as a page reload would.
    const first = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage, chunkSize: CHUNK });
    const handle = first.start(fileFrom(source.file), { conversationId });
    let sentBefore = 0;
    await new Promise<void>((resolve) => {
      handle.on('progress', ({ sent }) => {
        sentBefore = Math.max(sentBefore, sent);
        if (sent >= size * 0.4 && handle.state === 'uploading') {
          first.destroy();
          resolve();
        }
      });
    });
    expect((await first.stored()).map((s) => s.name)).toEqual(['big.mp4']);
    // What the server kept: the resume must start there, not at 0.
    const key = (await storage.get<string[]>('uploads:index'))![0]!;
    const { uploadUrl } = (await storage.get<{ uploadUrl: string }>(key))!;
    await new Promise((r) => setTimeout(r, 200));
    const head = await fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${a.token}` } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(size * 0.3);
    expect(offset).toBeLessThan(size);

    // Second session on the same storage: the same file chosen again resumes.
    const second = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage, chunkSize: CHUNK });
    const again = second.start(fileFrom(source.file), { conversationId });
    let firstResumed = -1;
    again.on('progress', ({ sent }) => {
      if (firstResumed < 0) firstResumed = sent;
    });
    const media = await again.result;
    expect(again.state).toBe('done');
    expect(firstResumed).toBeGreaterThanOrEqual(offset);
    // Re-sent: what the first session pushed beyond what the server had kept.
    expect(sentBefore - offset).toBeLessThanOrEqual(CHUNK);
    expect(media).toMatchObject({ mimeType: 'video/mp4', size, name: 'big.mp4' });
    expect(media.url).toBe(new URL(uploadUrl).pathname);
    // Forgotten once done.
    expect(await second.stored()).toEqual([]);

    const download = await downloadSha256(new URL(media.url, world.url).toString(), { Authorization: `Bearer ${b.token}` });
    expect(download.status).toBe(200);
    expect(download.bytes).toBe(size);
    expect(download.sha256).toBe(source.sha256);
    fs.rmSync(source.file);
  }, 600_000);

  it('refuses a type or a size before any byte is sent', async () => {
    const uploads = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage: memoryStorage() });
    const attempt = (file: UploadFile, kind?: 'image') => {
      try {
        uploads.start(file, { conversationId, ...(kind ? { kind } : {}) });
        return null;
      } catch (error) {
        return (error as ParleyError).code;
      }
    };
    expect(attempt({ name: 'setup.exe', type: 'application/x-msdownload', size: 10 })).toBe('UNSUPPORTED_TYPE');
    expect(attempt({ name: 'big.png', type: 'image/png', size: 21 * 1024 * 1024 })).toBe('PAYLOAD_TOO_LARGE');
    expect(attempt({ name: 'clip.mp4', type: 'video/mp4', size: 10 }, 'image')).toBe('UNSUPPORTED_TYPE');
    expect(attempt({ name: 'empty.txt', type: 'text/plain', size: 0 })).toBe('VALIDATION_FAILED');
    expect(uploads.active()).toEqual([]);
  });

  it('runs at most `concurrency` uploads at once; pause, resume and cancel', async () => {
    const uploads = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage: memoryStorage(), concurrency: 2, chunkSize: 256 * 1024 });
    const files = await Promise.all([0, 1, 2, 3].map((i) => randomFile(dir, `f${i}.txt`, 2 * 1024 * 1024)));
    // Text files must be text: overwrite with letters.
    for (const f of files) fs.writeFileSync(f.file, Buffer.alloc(2 * 1024 * 1024, 0x61 + files.indexOf(f)));
    let maxRunning = 0;
    const handles: UploadHandle[] = files.map((f) => uploads.start(fileFrom(f.file, 'text/plain'), { conversationId }));
    for (const h of handles) {
      h.on('state', () => {
        maxRunning = Math.max(maxRunning, handles.filter((x) => x.state === 'uploading').length);
      });
    }
    expect(handles.map((h) => h.state)).toEqual(['uploading', 'uploading', 'queued', 'queued']);
    handles[0]!.pause();
    expect(handles[0]!.state).toBe('paused');
    // The freed slot goes to the next in line.
    expect(handles[2]!.state).toBe('uploading');
    await handles[3]!.cancel();
    await expect(handles[3]!.result).rejects.toMatchObject({ code: 'UPLOAD_CANCELLED' });
    await Promise.all([handles[1]!.result, handles[2]!.result]);
    // Paused means paused: nothing was sent meanwhile.
    expect(handles[0]!.state).toBe('paused');
    expect(handles[0]!.progress.sent).toBe(0);
    handles[0]!.resume();
    const media = await handles[0]!.result;
    expect(maxRunning).toBeLessThanOrEqual(2);
    const res = await fetch(new URL(media.url, world.url), { headers: { Authorization: `Bearer ${b.token}` } });
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.alloc(2 * 1024 * 1024, 0x61))).toBe(true);
  });

  it('a file chosen offline starts when the network returns', async () => {
    let online = false;
    const listeners = new Set<(online: boolean) => void>();
    const signal: OnlineSignal = { isOnline: () => online, subscribe: (fn) => (listeners.add(fn), () => listeners.delete(fn)) };
    const uploads = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage: memoryStorage(), online: signal });
    const file = path.join(dir, 'offline.txt');
    fs.writeFileSync(file, 'written while offline\n');
    const handle = uploads.start(fileFrom(file, 'text/plain'), { conversationId });
    expect(handle.state).toBe('offline');
    await new Promise((r) => setTimeout(r, 100));
    expect(handle.progress.sent).toBe(0);
    online = true;
    for (const fn of listeners) fn(true);
    const media = await handle.result;
    expect(media.size).toBe(22);
  });

  it("a video's poster is uploaded after it and becomes the descriptor's thumbnailUrl; size and duration are the app's", async () => {
    const uploads = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage: memoryStorage() });
    const video = Buffer.concat([mp4Head(), Buffer.alloc(10_000, 5)]);
    const poster = await samplePng(160, 90);
    const handle = uploads.start(
      { name: 'clip.mp4', type: 'video/mp4', size: video.length, data: video },
      { conversationId, width: 1920, height: 1080, durationMs: 12_500, poster: { name: 'clip.png', type: 'image/png', size: poster.length, data: poster } },
    );
    const media = await handle.result;
    expect(media).toMatchObject({ mimeType: 'video/mp4', size: video.length, width: 1920, height: 1080, durationMs: 12_500 });
    expect(media.thumbnailUrl).toMatch(/^\/files\/[0-9a-f]{32}$/);
    expect(media.thumbnailUrl).not.toBe(media.url);
    const res = await fetch(new URL(media.thumbnailUrl!, world.url), { headers: { Authorization: `Bearer ${b.token}` } });
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(poster)).toBe(true);
  });

  it('a refusal on finish rejects the result with the server code', async () => {
    const uploads = new Uploads({ endpoint: endpoint(), getToken: () => a.token, storage: memoryStorage() });
    const file = path.join(dir, 'fake.png');
    fs.writeFileSync(file, 'this is not a png at all');
    const handle = uploads.start(fileFrom(file, 'image/png'), { conversationId });
    await expect(handle.result).rejects.toMatchObject({ code: 'UNSUPPORTED_TYPE' });
    expect(handle.state).toBe('refused');
  });

  it('client.sendFile: the message waits for its upload, then the other member sees it with the server-checked descriptor (F1)', async () => {
    const alice = client(world.sync.url, a, { mediaUrl: world.url });
    const bob = client(world.sync.url, b, { mediaUrl: world.url });
    try {
      await Promise.all([alice.connect(), bob.connect()]);
      await alice.whenSynced();
      const png = await samplePng(80, 60);
      const { upload, sent } = await alice.sendFile({ name: 'dot.png', type: 'image/png', size: png.length, data: png }, { conversationId });
      expect(alice.messageStatus(sent.messageId)).toBe('pending');
      await sent.confirmed;
      expect(upload.state).toBe('done');
      const view = await bob.openConversation(conversationId);
      const seen = await until(() => view.messages().find((m) => m.id === sent.messageId), 'the image at the other member');
      expect(seen).toMatchObject({ kind: 'image', media: { mimeType: 'image/png', size: png.length, width: 80, height: 60 } });
      const res = await fetch(new URL(seen.media!.url, world.url), { headers: { Authorization: `Bearer ${b.token}` } });
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    } finally {
      await alice.destroy();
      await bob.destroy();
    }
  });
  it('client.sendFile keeps the order of media messages while text overtakes them; mediaLink serves an <img> with no header', async () => {
    const alice = client(world.sync.url, a, { mediaUrl: world.url });
    const bob = client(world.sync.url, b, { mediaUrl: world.url });
    try {
      await Promise.all([alice.connect(), bob.connect()]);
      await alice.whenSynced();
      const big = await randomFile(dir, 'order.mp4', 24 * 1024 * 1024, mp4Head());
      const png = await samplePng(40, 30);
      const first = await alice.sendFile(fileFrom(big.file), { conversationId });
      const second = await alice.sendFile({ name: 'after.png', type: 'image/png', size: png.length, data: png }, { conversationId });
      const text = await alice.sendMessage({ conversationId, text: 'not held behind the video' });
      await Promise.all([first.sent.confirmed, second.sent.confirmed, text.confirmed]);
      const view = await bob.openConversation(conversationId);
      const ids = [text.messageId, first.sent.messageId, second.sent.messageId];
      const seqs = await until(() => {
        const byId = new Map(view.messages().map((m) => [m.id, m.seq]));
        return ids.every((id) => byId.has(id)) ? ids.map((id) => byId.get(id)!) : undefined;
      }, 'the three messages at the other member');
      // The text went out while the video was still uploading; the small image waited for the video.
      expect(seqs[0]).toBeLessThan(seqs[1]!);
      expect(seqs[1]).toBeLessThan(seqs[2]!);

      const image = view.messages().find((m) => m.id === second.sent.messageId)!;
      const link = await bob.mediaLink(image.media!.url);
      expect(link.url.startsWith(world.url)).toBe(true);
      expect(link.expiresAt).toBeGreaterThan(Date.now());
      const res = await fetch(link.url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
      await expect(bob.mediaLink('https://example.com/a.png')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      await alice.destroy();
      await bob.destroy();
    }
  });
});
