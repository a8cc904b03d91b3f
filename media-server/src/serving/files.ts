import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ACTIVE_TYPES, ParleyError } from '@parley/schema';
import type { UploadRow } from '../index/access.ts';
import type { Logger } from '../log.ts';
import type { MediaStorage } from '../uploads/storage.ts';
import { sendError } from '../http.ts';

export type ByteRange = { start: number; end: number };

/**
 * The byte range a `Range` header asks for (RFC 9110 §14.1.2), one range only.
 * `null` means "send it all" (no header, or one we do not serve such as
 * several ranges, which a server may ignore); `'unsatisfiable'` means 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return header.trim().startsWith('bytes=') && !header.includes(',') ? 'unsatisfiable' : null;
  const [, first, last] = match;
  if (first === '' && last === '') return 'unsatisfiable';
  if (first === '') {
    // A suffix: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}

/** The headers every finished file is served with: the validated type, never sniffed, never active, cached for good. */
function fileHeaders(row: UploadRow): Record<string, string> {
  const active = ACTIVE_TYPES.has(row.mime_type);
  const attachment = active || row.kind === 'file';
  const name = encodeURIComponent(row.filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const ascii = row.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return {
    'Content-Type': row.mime_type,
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': `${attachment ? 'attachment' : 'inline'}; filename="${ascii}"; filename*=UTF-8''${name}`,
    // The bytes of an id never change; `private`: access depends on who asks.
    'Cache-Control': 'private, max-age=31536000, immutable',
    'Accept-Ranges': 'bytes',
    ...(row.sha256 ? { ETag: `"${row.sha256}"` } : { ETag: `"${row.id}"` }),
    // SVG and HTML: even opened directly they run no script and load nothing.
    ...(active ? { 'Content-Security-Policy': "default-src 'none'; sandbox" } : {}),
    'Cross-Origin-Resource-Policy': 'same-site',
  };
}

/** GET or HEAD of a finished upload, with Range (206, 416). */
export async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, row: UploadRow, storage: MediaStorage, log: Logger): Promise<void> {
  const size = row.size;
  const range = parseRange(req.headers.range, size);
  const headers = fileHeaders(row);
  if (range === 'unsatisfiable') {
    return sendError(res, new ParleyError('RANGE_NOT_SATISFIABLE', `the range is outside the file's ${size} bytes`), 416, {
      'Content-Range': `bytes */${size}`,
      'Accept-Ranges': 'bytes',
    });
  }
  const status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : size;
  res.writeHead(status, {
    ...headers,
    'Content-Length': String(length),
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || length === 0) return void res.end();
  const started = Date.now();
  try {
    await pipeline(await storage.open(row.id, range ?? { start: 0, end: size - 1 }), res);
    log.info({ upload: row.id, bytes: length, ms: Date.now() - started, status }, 'download');
  } catch (error) {
    // The reader went away mid-file: nothing to answer.
    log.debug({ upload: row.id, err: error }, 'download ended early');
  }
}

export async function serveThumbnail(req: http.IncomingMessage, res: http.ServerResponse, row: UploadRow, storage: MediaStorage): Promise<void> {
  if (!row.thumbnail_key) return sendError(res, new ParleyError('NOT_FOUND', 'this upload has no thumbnail'));
  const file = path.join(storage.thumbnailDir, path.basename(row.thumbnail_key));
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch {
    return sendError(res, new ParleyError('NOT_FOUND', 'the thumbnail is missing'));
  }
  res.writeHead(200, {
    'Content-Type': 'image/webp',
    'Content-Length': String(size),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, max-age=31536000, immutable',
    'Cross-Origin-Resource-Policy': 'same-site',
  });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(fs.createReadStream(file), res).catch(() => undefined);
}
