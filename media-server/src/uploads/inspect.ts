import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromStream } from 'file-type';
import sharp from 'sharp';
import { MEDIA_LIMITS, TEXT_TYPES, type MediaKind } from '@parley/schema';
import type { MediaStorage } from './storage.ts';

/**
 * What a finished upload really is. The declared type is what the client said;
 * the bytes decide. A mismatch is refused (and the file deleted) by the caller.
 */
export type Inspection =
  | { ok: true; width: number | null; height: number | null; thumbnailKey: string | null }
  | { ok: false; message: string };

/**
 * Declared type → what file-type may call it. Formats of one family that
 * players treat alike (an .mov with an mp4 brand and the reverse) are accepted
 * for each other; everything else must match exactly.
 */
const SNIFFED_AS: Readonly<Record<string, readonly string[]>> = {
  'video/mp4': ['video/mp4', 'video/x-m4v', 'video/quicktime'],
  'video/quicktime': ['video/quicktime', 'video/mp4'],
  'video/x-matroska': ['video/matroska', 'video/webm'],
  'video/webm': ['video/webm', 'video/matroska'],
  'audio/ogg': ['audio/ogg', 'audio/opus', 'application/ogg'],
  'audio/x-m4a': ['audio/x-m4a', 'audio/mp4'],
  'application/msword': ['application/x-cfb'],
  'application/vnd.ms-excel': ['application/x-cfb'],
  'application/vnd.ms-powerpoint': ['application/x-cfb'],
};

/** Bytes of a text type looked at for a NUL byte: binary content declared as text is refused. */
const TEXT_PROBE_BYTES = 64 * 1024;

export async function inspectUpload(storage: MediaStorage, upload: { id: string; mimeType: string; kind: MediaKind; size: number }): Promise<Inspection> {
  const detected = await sniff(storage, upload.id);
  if (TEXT_TYPES.has(upload.mimeType)) {
    if (detected) return { ok: false, message: `the content is ${detected}, not ${upload.mimeType}` };
    if (await hasNul(storage, upload.id, Math.min(upload.size, TEXT_PROBE_BYTES))) return { ok: false, message: `the content is binary, not ${upload.mimeType}` };
    return { ok: true, width: null, height: null, thumbnailKey: null };
  }
  const accepted = SNIFFED_AS[upload.mimeType] ?? [upload.mimeType];
  if (!detected || !accepted.includes(detected)) {
    return { ok: false, message: `the content is ${detected ?? 'of no known type'}, not ${upload.mimeType}` };
  }
  if (upload.kind !== 'image' && !upload.mimeType.startsWith('image/')) return { ok: true, width: null, height: null, thumbnailKey: null };
  return thumbnail(storage, upload.id);
}

async function sniff(storage: MediaStorage, id: string): Promise<string | undefined> {
  const stream = await storage.open(id);
  try {
    return (await fileTypeFromStream(stream))?.mime;
  } finally {
    stream.destroy();
  }
}

async function hasNul(storage: MediaStorage, id: string, bytes: number): Promise<boolean> {
  if (bytes <= 0) return false;
  const stream = await storage.open(id, { start: 0, end: bytes - 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (chunk.includes(0)) {
      stream.destroy();
      return true;
    }
  }
  return false;
}

/**
 * Dimensions and a small WebP thumbnail, so a message list renders without
 * loading originals. An image sharp cannot decode (or one over its pixel limit,
 * a decompression bomb) is refused like a type mismatch.
 */
async function thumbnail(storage: MediaStorage, id: string): Promise<Inspection> {
  const key = `${id}.webp`;
  const target = path.join(storage.thumbnailDir, key);
  try {
    const image = sharp({ failOn: 'error' });
    const metadata = image.clone().metadata();
    const written = image
      .clone()
      .rotate()
      .resize(MEDIA_LIMITS.thumbnailMaxPixels, MEDIA_LIMITS.thumbnailMaxPixels, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toFile(target);
    await pipeline(await storage.open(id), image);
    const [meta] = await Promise.all([metadata, written]);
    // EXIF orientations 5–8 turn the picture a quarter: the displayed size swaps.
    const turned = (meta.orientation ?? 1) >= 5;
    const width = turned ? meta.height : meta.width;
    const height = turned ? meta.width : meta.height;
    return { ok: true, width: width ?? null, height: height ?? null, thumbnailKey: key };
  } catch (error) {
    fs.rmSync(target, { force: true });
    return { ok: false, message: `the image cannot be read: ${(error as Error).message}` };
  }
}
