// The web app's server: serves the built app and proxies the API, sync, upload and
// call routes to the services, so a browser talks to one origin only.
//
//   node scripts/web-server.mjs
//
// WEB_PORT, SYNC_PORT, MEDIA_PORT as in CONTRACT.md (defaults in schema/src/services.json).
// PARLEY_SYNC_UPSTREAMS / PARLEY_MEDIA_UPSTREAMS: comma-separated base URLs
// (e.g. http://sync-1:1234,http://sync-2:1234) when the services run elsewhere;
// requests and WebSockets go round-robin, skipping an upstream that refuses.
// PARLEY_WEB_DIST: the built app (client/web/dist).
// PARLEY_FRAME_ANCESTORS: space-separated origins allowed to frame the app
// (CSP frame-ancestors); default none (docs/operations.md, "Page security").
// Only node:http and node:net: no proxy dependency.

import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';
import zlib from 'node:zlib';
import { setTimeout } from 'node:timers';
import { createRequire } from 'node:module';
import { URL, fileURLToPath } from 'node:url';
import pino from 'pino';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Default ports, routes and the service that answers them (order matters: first prefix wins), shared with the services. */
const { ports: PORTS, routes: ROUTES, httpKeepAliveMs: KEEP_ALIVE_MS } = createRequire(import.meta.url)('../schema/src/services.json');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Types worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);
/** Below this, compression saves less than its headers cost. */
const MIN_COMPRESS_BYTES = 1024;

/** Permissions the app may use, for itself only: calls need the camera and microphone. */
const PERMISSIONS_POLICY = 'camera=(self), microphone=(self), display-capture=(self), fullscreen=(self), geolocation=(), payment=(), usb=(), interest-cohort=()';

// Hop-by-hop headers are for one connection only (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

export function loadWebConfig(env = process.env) {
  const port = (value, fallback) => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port: ${value}`);
    return n;
  };
  const list = (value, fallback) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [fallback]).map((u) => new URL(u));
  return {
    port: port(env.WEB_PORT, PORTS.web),
    host: env.WEB_HOST || '0.0.0.0',
    dist: path.resolve(env.PARLEY_WEB_DIST || path.join(root, 'client/web/dist')),
    upstreams: {
      sync: list(env.PARLEY_SYNC_UPSTREAMS, `http://127.0.0.1:${port(env.SYNC_PORT, PORTS.sync)}`),
      media: list(env.PARLEY_MEDIA_UPSTREAMS, `http://127.0.0.1:${port(env.MEDIA_PORT, PORTS.media)}`),
    },
    frameAncestors: frameAncestors(env.PARLEY_FRAME_ANCESTORS),
    logLevel: env.LOG_LEVEL || 'info',
  };
}

/** PARLEY_FRAME_ANCESTORS: origins (https://host[:port]) separated by spaces or commas; unset or empty is 'none'. */
function frameAncestors(value) {
  const origins = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const origin of origins) {
    let url;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`PARLEY_FRAME_ANCESTORS: not an origin: ${origin}`);
    }
    if (!/^https?:$/.test(url.protocol) || url.origin !== origin.replace(/\/+$/, '')) throw new Error(`PARLEY_FRAME_ANCESTORS: not an origin: ${origin}`);
  }
  return origins.map((o) => o.replace(/\/+$/, ''));
}

/**
 * The headers every page and file of the app carries (docs/operations.md, "Page
 * security"). Scripts only from this origin (Vite emits no inline script); styles
 * may be inline (React's style attributes); the socket is same-origin, spelled
 * with ws/wss for browsers whose 'self' does not cover them.
 */
export function securityHeaders(config, host) {
  const safeHost = /^[A-Za-z0-9.\-:[\]]+$/.test(host ?? '') ? host : null;
  const sockets = safeHost ? ` ws://${safeHost} wss://${safeHost}` : '';
  const ancestors = config.frameAncestors.length ? config.frameAncestors.join(' ') : "'none'";
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Permissions-Policy': PERMISSIONS_POLICY,
    'Cross-Origin-Opener-Policy': 'same-origin',
    // For browsers without frame-ancestors; an allow-list has no X-Frame-Options equivalent.
    ...(config.frameAncestors.length ? {} : { 'X-Frame-Options': 'DENY' }),
  };
}

export function createWebServer(config, log) {
  const next = { sync: 0, media: 0 };
  /** Upstreams of a service, starting with the next in round-robin order. */
  function upstreamsFor(service) {
    const all = config.upstreams[service];
    const start = next[service]++ % all.length;
    return [...all.slice(start), ...all.slice(0, start)];
  }

  const routeOf = (url) => ROUTES.find((r) => url === r.prefix || url.startsWith(r.prefix + '/') || url.startsWith(r.prefix + '?'));

  const server = http.createServer((req, res) => {
    const route = routeOf(req.url ?? '/');
    if (route) return proxyRequest(req, res, upstreamsFor(route.service), route.service);
    if (req.url === '/__parley/health') return json(res, 200, { ok: true });
    serveStatic(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;

  server.on('upgrade', (req, socket, head) => {
    const route = routeOf(req.url ?? '/');
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    proxyUpgrade(req, socket, head, upstreamsFor(route.service), route.service);
  });

  function forwardHeaders(req) {
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    const remote = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${remote}` : remote;
    headers['x-forwarded-host'] = req.headers['x-forwarded-host'] ?? req.headers.host ?? '';
    headers['x-forwarded-proto'] = req.headers['x-forwarded-proto'] ?? (req.socket.encrypted ? 'https' : 'http');
    return headers;
  }

  function proxyRequest(req, res, candidates, service) {
    const [target, ...rest] = candidates;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: forwardHeaders(req) },
      (answer) => {
        const headers = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        answer.pipe(res);
      },
    );
    // Only a request without a body can be replayed to the next instance.
    const bodyless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
    upstream.on('error', (error) => {
      if (bodyless && rest.length > 0 && error.code === 'ECONNREFUSED' && !res.headersSent) {
        log.warn({ upstream: target.host, err: error.message }, 'upstream refused, trying the next');
        return proxyRequest(req, res, rest, service);
      }
      log.warn({ upstream: target.host, url: req.url, err: error.message }, 'upstream failed');
      if (!res.headersSent) json(res, 502, { error: { code: 'INTERNAL', message: `the ${service} service is not reachable` } });
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (bodyless) {
      req.resume();
      upstream.end();
    } else req.pipe(upstream);
  }

  function proxyUpgrade(req, socket, head, candidates, service) {
    const [target, ...rest] = candidates;
    const upstream = net.connect({ host: target.hostname, port: Number(target.port) });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      const headers = forwardHeaders(req);
      // An upgrade needs its own Connection/Upgrade headers back.
      headers.connection = 'Upgrade';
      headers.upgrade = req.headers.upgrade ?? 'websocket';
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) raw += `${name}: ${v}\r\n`;
      }
      upstream.write(raw + '\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (!connected && rest.length > 0) {
        log.warn({ upstream: target.host, err: error.message }, 'upstream refused the upgrade, trying the next');
        return proxyUpgrade(req, socket, head, rest, service);
      }
      if (!connected) {
        log.warn({ upstream: target.host, url: req.url, err: error.message }, `${service} upgrade failed`);
        socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      } else socket.destroy();
    });
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }

  function serveStatic(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return json(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } });
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://web.invalid').pathname);
    } catch {
      return json(res, 400, { error: { code: 'BAD_REQUEST', message: 'malformed path' } });
    }
    // Source maps stay off the public web (the build keeps them, unreferenced, for debugging).
    if (pathname.endsWith('.map')) return json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    const file = path.join(config.dist, path.normalize(pathname));
    if (!file.startsWith(config.dist + path.sep) && file !== config.dist) {
      return json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    }
    fs.stat(file, (error, stat) => {
      if (!error && stat.isFile()) return sendFile(req, res, file, stat);
      // A path with an extension is a missing asset; anything else is a route of the app.
      if (path.extname(pathname)) return json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
      const index = path.join(config.dist, 'index.html');
      fs.stat(index, (indexError, indexStat) => {
        if (indexError) return json(res, 503, { error: { code: 'INTERNAL', message: 'the web app is not built (npm start builds it)' } });
        sendFile(req, res, index, indexStat);
      });
    });
  }

  /** Compressed copies by file, encoding, size and mtime: each file is compressed once per build. */
  const compressed = new Map();

  /** br or gzip, as the browser accepts (br first), for a file worth compressing; else null. */
  function encodingFor(req, file, stat) {
    if (!COMPRESSIBLE.has(path.extname(file).toLowerCase()) || stat.size < MIN_COMPRESS_BYTES) return null;
    const accepted = String(req.headers['accept-encoding'] ?? '').split(',').map((part) => {
      const [name, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { name, q: q === undefined ? 1 : Number(q) };
    }).filter((e) => e.q > 0).map((e) => e.name);
    if (accepted.includes('br')) return 'br';
    if (accepted.includes('gzip')) return 'gzip';
    return null;
  }

  function compress(file, stat, encoding) {
    const key = `${encoding}:${file}`;
    const cached = compressed.get(key);
    if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached.body;
    const body = fs.promises.readFile(file).then((raw) => new Promise((resolve, reject) => {
      const done = (error, out) => (error ? reject(error) : resolve(out));
      if (encoding === 'br') {
        zlib.brotliCompress(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }, done);
      } else zlib.gzip(raw, { level: 9 }, done);
    }));
    compressed.set(key, { size: stat.size, mtimeMs: stat.mtimeMs, body });
    body.catch(() => compressed.delete(key));
    return body;
  }

  function sendFile(req, res, file, stat) {
    const hashed = file.startsWith(path.join(config.dist, 'assets') + path.sep);
    const ext = path.extname(file).toLowerCase();
    const headers = {
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      // Vite names assets by content hash: they never change. HTML and the service worker always revalidate.
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Last-Modified': stat.mtime.toUTCString(),
      ...(COMPRESSIBLE.has(ext) ? { Vary: 'Accept-Encoding' } : {}),
      ...securityHeaders(config, req.headers.host),
    };
    const encoding = encodingFor(req, file, stat);
    if (!encoding) {
      res.writeHead(200, { ...headers, 'Content-Length': stat.size });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
      return;
    }
    compress(file, stat, encoding).then((body) => {
      res.writeHead(200, { ...headers, 'Content-Encoding': encoding, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    }, (error) => {
      log.warn({ file, err: error.message }, 'compression failed');
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: 'could not read the file' } });
    });
  }

  return {
    http: server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { port } = server.address();
          log.info({ port, dist: config.dist }, 'web server listening');
          resolve(port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Proxied WebSockets and streams are cut: their services are stopping too.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
    },
  };
}

function json(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload), 'Cache-Control': 'no-store' });
  res.end(payload);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const config = loadWebConfig();
  const log = pino({ name: 'web', level: config.logLevel });
  const server = createWebServer(config, log);
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  server.listen().catch((error) => {
    log.fatal({ err: error }, 'could not start');
    process.exit(1);
  });
}
