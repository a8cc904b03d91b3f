import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe } from 'vitest';
import * as tus from 'tus-js-client';
import type { Dialect } from '@parley/schema/db';
import { testDialects } from '@parley/schema/db/testing';
import type { AuthResponse } from '@parley/schema';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../../sync-server/test/harness.ts';
import { api, register } from '../../sync-server/test/clients.ts';
import { loadConfig, type MediaConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createMediaServer, type MediaServer } from '../src/server.ts';

/**
 * A real sync-server and a real media-server on one database and data folder,
 * as `npm start` runs them: users and conversations are made over REST,
 * uploads go through tus.
 */
export interface MediaWorld {
  sync: TestServer;
  media: MediaServer;
  /** http://127.0.0.1:<media port> */
  url: string;
  config: MediaConfig;
  /** Restarts the media-server on the same data (a crash between requests). */
  restart(): Promise<void>;
}

export async function startWorld(dialect: Dialect, overrides: Partial<MediaConfig> = {}): Promise<MediaWorld> {
  const sync = await startTestServer({ dialect });
  const config = loadConfig(
    { PARLEY_DATA_DIR: sync.database.dataDir, ...(sync.database.databaseUrl ? { DATABASE_URL: sync.database.databaseUrl } : {}) },
    { port: 0, host: '127.0.0.1', jwtSecret: TEST_JWT_SECRET, logLevel: process.env.TEST_LOG_LEVEL ?? 'silent', ...overrides },
  );
  const world = { sync, config } as MediaWorld;
  const start = async (port: number) => {
    world.media = createMediaServer({ ...config, port }, createLogger(config.logLevel));
    world.url = `http://127.0.0.1:${await world.media.listen()}`;
  };
  await start(0);
  world.restart = async () => {
    const port = Number(new URL(world.url).port);
    await world.media.close();
    await start(port);
  };
  return world;
}

/** One world per database under test, torn down after the suite. */
export function eachWorld(title: string, suite: (world: MediaWorld, dialect: Dialect) => void, overrides: Partial<MediaConfig> = {}): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      const world = {} as MediaWorld;
      beforeAll(async () => {
        Object.assign(world, await startWorld(dialect, overrides));
      });
      afterAll(async () => {
        await world.media?.close();
        await world.sync?.stop();
      });
      suite(world, dialect);
    });
  }
}

export { api, register };

export async function group(world: { sync: { url: string } }, owner: AuthResponse, members: AuthResponse[], title = 'media'): Promise<string> {
  const { status, body } = await api<{ conversation: { id: string } }>(world.sync.url, '/conversations', {
    token: owner.token,
    body: { type: 'group', title, memberIds: members.map((m) => m.user.id) },
  });
  if (status !== 201) throw new Error(`group failed: ${status} ${JSON.stringify(body)}`);
  return body.conversation.id;
}

export function metadataHeader(metadata: Record<string, string>): string {
  return Object.entries(metadata).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');
}

/** A raw tus creation, for the checks tus-js-client would never trip. */
export async function create(
  world: MediaWorld,
  token: string | undefined,
  metadata: Record<string, string>,
  length: number | undefined,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${world.url}/files/`, {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      ...(length === undefined ? {} : { 'Upload-Length': String(length) }),
      'Upload-Metadata': metadataHeader(metadata),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...extra,
    },
  });
}

/** PATCHes bytes at an offset. */
export async function patch(world: MediaWorld, location: string, token: string, offset: number, bytes: Uint8Array, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(location, world.url), {
    method: 'PATCH',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      Authorization: `Bearer ${token}`,
      ...extra,
    },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/** Creates and fills an upload in one go; answers the location and the final PATCH's response. */
export async function uploadBytes(world: MediaWorld, token: string, metadata: Record<string, string>, bytes: Uint8Array): Promise<{ location: string; finish: Response }> {
  const created = await create(world, token, metadata, bytes.length);
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${await created.text()}`);
  const location = created.headers.get('location')!;
  const finish = await patch(world, location, token, 0, bytes);
  return { location, finish };
}

export async function errorCode(res: Response): Promise<string | undefined> {
  const text = await res.text();
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Uploads a file from disk with tus-js-client, as the SDK does. */
export function tusUpload(
  world: MediaWorld,
  token: string,
  file: string | Readable,
  options: { size: number; metadata: Record<string, string>; chunkSize?: number; uploadUrl?: string; onProgress?: (sent: number, upload: tus.Upload) => void; headers?: Record<string, string> },
): { upload: tus.Upload; done: Promise<string> } {
  const input = typeof file === 'string' ? fs.createReadStream(file) : file;
  let resolve!: (url: string) => void;
  let reject!: (error: Error) => void;
  const done = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const upload = new tus.Upload(input, {
    endpoint: `${world.url}/files/`,
    uploadSize: options.size,
    chunkSize: options.chunkSize ?? 8 * 1024 * 1024,
    metadata: options.metadata,
    headers: { Authorization: `Bearer ${token}`, ...options.headers },
    retryDelays: [],
    ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
    onProgress: (sent) => options.onProgress?.(sent, upload),
    onSuccess: () => resolve(upload.url!),
    onError: (error) => reject(error),
  });
  upload.start();
  return { upload, done };
}

/** A file of pseudo-random bytes (so nothing compresses or dedupes it) with its SHA-256. */
export async function randomFile(dir: string, name: string, size: number, head?: Uint8Array): Promise<{ file: string; sha256: string }> {
  const file = path.join(dir, name);
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(file);
  let written = 0;
  const block = 1024 * 1024;
  if (head) {
    out.write(head);
    hash.update(head);
    written = head.length;
  }
  while (written < size) {
    const n = Math.min(block, size - written);
    const chunk = crypto.randomBytes(n);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += n;
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return { file, sha256: hash.digest('hex') };
}

/** Downloads and hashes, streaming. */
export async function downloadSha256(url: string, headers: Record<string, string>): Promise<{ status: number; sha256: string; bytes: number }> {
  const res = await fetch(url, { headers });
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  }
  return { status: res.status, sha256: hash.digest('hex'), bytes };
}

/** Small real media made with sharp: a PNG and a JPEG of known size. */
export async function samplePng(width = 64, height = 48): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
}

/** The first bytes of an ISO-BMFF (mp4) file: enough for the sniffer to call it video/mp4. */
export function mp4Head(): Buffer {
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write('ftyp', 4, 'ascii');
  ftyp.write('isom', 8, 'ascii');
  ftyp.writeUInt32BE(512, 12);
  ftyp.write('isomiso2avc1mp41', 16, 'ascii');
  return ftyp;
}

/** A Windows executable's header: MZ, with a PE signature where the header says. */
export function exeHead(): Buffer {
  const head = Buffer.alloc(512);
  head.write('MZ', 0, 'ascii');
  head.writeUInt32LE(0x80, 0x3c);
  head.write('PE\0\0', 0x80, 'latin1');
  return head;
}
