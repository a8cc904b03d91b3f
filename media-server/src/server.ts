import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_KEEP_ALIVE_MS, ParleyError, UPLOAD_ID } from '@parley/schema';
import { openStore, type Store } from '@parley/schema/db';
import { createMediaLinkService, createPeerTokenService, createTokenService } from '@parley/schema/tokens';
import type { MediaConfig } from './config.ts';
import type { Logger } from './log.ts';
import { sendError, sendJson } from './http.ts';
import { expiredUploads, findUpload, isMember, type UploadRow } from './index/access.ts';
import { serveFile, serveThumbnail } from './serving/files.ts';
import { createStorage } from './uploads/storage.ts';
import { checkCreation, createTus, type Creation } from './uploads/tus.ts';
import { attachSignalling } from './calls/signalling.ts';

/**
 * The media-server's HTTP edge: health, tus uploads at /files/, and the
 * finished files at the URL tus returned (docs/api.md, "Media"). Every request
 * is authenticated here before tus or the file server sees it.
 */
export interface MediaServer {
  /** Resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Stops accepting, lets requests in flight finish (up to the grace period), then resolves. */
  close(): Promise<void>;
  /** Deletes unfinished uploads past their expiry; resolves with how many. Runs on a timer too. */
  cleanExpired(): Promise<number>;
  readonly http: http.Server;
}

const TUS_METHODS = new Set(['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMediaServer(config: MediaConfig, log: Logger): MediaServer {
  const tokens = createTokenService(config.jwtSecret, config.accessTokenTtlSeconds);
  const links = createMediaLinkService(config.jwtSecret, config.signedUrlTtlSeconds);
  const storage = createStorage(config);
  const creations = new WeakMap<http.IncomingMessage, Creation>();
  let store: Store | null = null;
  const db = () => {
    if (!store) throw new ParleyError('INTERNAL', 'the index is not open');
    return store.db;
  };
  // The index is opened by listen(); tus's hooks only run once it is.
  const tus = createTus({
    db,
    config,
    storage,
    log,
    creationOf: (req) => creations.get(req),
  });
  let cleanupTimer: NodeJS.Timeout | null = null;

  const server = http.createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      log.debug({ method: req.method, url: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }, 'request');
    });
    route(req, res).catch((error: unknown) => {
      if (error instanceof ParleyError) {
        if (!res.headersSent) return sendError(res, error);
      } else {
        log.error({ err: error, method: req.method, url: req.url?.split('?')[0] }, 'request failed');
      }
      if (!res.headersSent) sendError(res, new ParleyError('INTERNAL', 'internal error'));
      else res.destroy();
    });
  });
  // PeerJS signalling at /peer (CONTRACT.md, "Calls"); any other upgrade is refused.
  const signalling = attachSignalling(server, createPeerTokenService(config.jwtSecret, 3600), log);
  // Browsers keep connections alive; a shutdown must not wait for idle ones.
  server.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;
  // A multi-GB PATCH may take long; the default request timeout (5 min) would cut it.
  server.requestTimeout = 0;

  async function bearer(req: http.IncomingMessage): Promise<string> {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) throw new ParleyError('AUTH_FAILED', 'send Authorization: Bearer <access token>');
    return tokens.verifyAccess(match[1]!);
  }

  /** Bearer, or a signed link for this upload (`?sig=`), for readers. */
  async function reader(req: http.IncomingMessage, url: URL, id: string): Promise<string> {
    const sig = url.searchParams.get('sig');
    if (sig !== null && req.headers.authorization === undefined) return links.verify(sig, id);
    return bearer(req);
  }

  /** A finished upload the user may read now: a current member of its conversation (checked on every request). */
  async function readable(id: string, userId: string): Promise<UploadRow> {
    const row = await findUpload(db(), id);
    if (!row || row.status === 'rejected') throw new ParleyError('NOT_FOUND', 'no such file');
    if (!(await isMember(db(), row.conversation_id, userId))) throw new ParleyError('NOT_A_MEMBER', 'you are not a member of this conversation');
    if (row.status !== 'complete') throw new ParleyError('CONFLICT', 'the upload is not finished');
    return row;
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://media.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname === '/health') {
      if (method !== 'GET' && method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return sendError(res, new ParleyError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use GET or HEAD`));
      }
      return sendJson(res, 200, { ok: true });
    }
    if (url.pathname === '/files' || url.pathname === '/files/') {
      if (method === 'OPTIONS') return tus.handle(req, res);
      if (method !== 'POST') return sendError(res, new ParleyError('METHOD_NOT_ALLOWED', `${method} is not allowed here`), 405);
      const userId = await bearer(req);
      if (!tusVersionOk(req)) return refuseTusVersion(res);
      creations.set(req, await checkCreation(db(), config, req, userId));
      return tus.handle(req, res);
    }
    // Only ids the naming function makes reach storage: `..`, encoded slashes and the like end here (path traversal).
    const match = /^\/files\/([^/]+)(\/thumbnail|\/link)?$/.exec(url.pathname);
    if (!match || !UPLOAD_ID.test(match[1]!)) return sendError(res, new ParleyError('NOT_FOUND', `no route for ${method} ${url.pathname}`));
    const id = match[1]!;
    const sub = match[2];

    if (sub === '/link') {
      if (method !== 'POST') return sendError(res, new ParleyError('METHOD_NOT_ALLOWED', 'POST a link request'), 405);
      const userId = await bearer(req);
      await readable(id, userId);
      const { sig, expiresAt } = await links.issue(userId, id);
      return sendJson(res, 200, { url: `/files/${id}?sig=${sig}`, thumbnailUrl: `/files/${id}/thumbnail?sig=${sig}`, expiresAt });
    }
    if (method === 'GET' || (method === 'HEAD' && (sub || url.searchParams.has('sig') || req.headers['tus-resumable'] === undefined))) {
      // HEAD without Tus-Resumable is a reader's HEAD of the file; with it, tus's upload-offset HEAD (below).
      const row = await readable(id, await reader(req, url, id));
      return sub === '/thumbnail' ? serveThumbnail(req, res, row, storage) : serveFile(req, res, row, storage, log);
    }
    if (sub || !TUS_METHODS.has(method)) return sendError(res, new ParleyError('METHOD_NOT_ALLOWED', `${method} is not allowed here`), 405);
    if (method === 'OPTIONS') return tus.handle(req, res);
    const userId = await bearer(req);
    if (!tusVersionOk(req)) return refuseTusVersion(res);
    const row = await findUpload(db(), id);
    if (!row) throw new ParleyError('NOT_FOUND', 'no such upload');
    if (row.user_id !== userId) throw new ParleyError('FORBIDDEN', 'only the uploader may do that');
    if (row.status === 'rejected') throw new ParleyError('NOT_FOUND', 'the upload was refused and deleted');
    return tus.handle(req, res);
  }

  async function cleanExpired(): Promise<number> {
    const before = Date.now() - config.uploadExpiryMs;
    const ids = await expiredUploads(db(), before);
    for (const id of ids) {
      await storage.remove(id);
      await db().deleteFrom('uploads').where('id', '=', id).where('status', '=', 'pending').execute();
    }
    // Not tus's cleanUpExpiredUploads(): @tus/file-store never records the offset in its
    // metadata, so its sweep takes every file for unfinished and deletes finished ones too.
    // The index knows which are finished; a row is written before its file exists.
    if (ids.length) log.info({ removed: ids.length }, 'expired uploads deleted');
    return ids.length;
  }

  return {
    http: server,
    cleanExpired,
    async listen() {
      store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      cleanupTimer = setInterval(() => {
        cleanExpired().catch((error: unknown) => log.error({ err: error }, 'expired upload cleanup failed'));
      }, config.cleanupIntervalMs);
      cleanupTimer.unref();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          log.info({ port, dataDir: config.dataDir, storage: config.s3 ? 's3' : 'file' }, 'media-server listening');
          resolve(port);
        });
      });
    },
    async close() {
      if (cleanupTimer) clearInterval(cleanupTimer);
      signalling.close();
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await store?.close();
      store = null;
    },
  };
}

/** tus 1.0.0 only: another version is refused with 412 and the version we speak, as the protocol says. */
function tusVersionOk(req: http.IncomingMessage): boolean {
  return req.headers['tus-resumable'] === '1.0.0';
}

function refuseTusVersion(res: http.ServerResponse): void {
  sendError(res, new ParleyError('CONFLICT', 'send Tus-Resumable: 1.0.0'), 412, { 'Tus-Version': '1.0.0' });
}
