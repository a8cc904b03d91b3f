import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_KEEP_ALIVE_MS, ParleyError } from '@parley/schema';
import type { MediaConfig } from './config.ts';
import type { Logger } from './log.ts';

/**
 * The media-server's HTTP edge. For now it answers health checks only; tus
 * uploads (`/files/`) and PeerJS signalling (`/peer`) plug in here later.
 * Every other route is a coded 404, never a stand-in.
 */
export interface MediaServer {
  /** Resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Stops accepting, lets requests in flight finish (up to the grace period), then resolves. */
  close(): Promise<void>;
  readonly http: http.Server;
}

export function createMediaServer(config: MediaConfig, log: Logger): MediaServer {
  const server = http.createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      log.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Date.now() - started }, 'request');
    });
    try {
      route(req, res);
    } catch (error) {
      log.error({ err: error, method: req.method, url: req.url }, 'request failed');
      if (!res.headersSent) sendError(res, new ParleyError('INTERNAL', 'internal error'));
      else res.destroy();
    }
  });
  // Browsers keep connections alive; a shutdown must not wait for idle ones.
  server.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;

  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://media.invalid');
    if (url.pathname === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return sendError(res, new ParleyError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use GET or HEAD`));
      }
      return sendJson(res, 200, { ok: true });
    }
    sendError(res, new ParleyError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`));
  }

  return {
    http: server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          log.info({ port, dataDir: config.dataDir }, 'media-server listening');
          resolve(port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(payload);
}

function sendError(res: http.ServerResponse, error: ParleyError): void {
  sendJson(res, error.status, { error });
}
