import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebServer, loadWebConfig, securityHeaders } from './web-server.mjs';

const silent = { info() {}, warn() {}, error() {}, debug() {}, fatal() {} };

/** A raw GET: node:http does not decompress, so the bytes are what the server sent. */
function get(port, pathname, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('web server: page security and compression', () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-dist-'));
  const script = 'console.log("parley");\n'.repeat(400);
  let server;
  let port;

  beforeAll(async () => {
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
    fs.writeFileSync(path.join(dist, 'assets/app.js'), script);
    fs.writeFileSync(path.join(dist, 'assets/app.js.map'), '{"version":3}');
    fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg/>');
    const config = { ...loadWebConfig({ WEB_PORT: '0', WEB_HOST: '127.0.0.1', PARLEY_WEB_DIST: dist }) };
    server = createWebServer(config, silent);
    port = await server.listen();
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('sends brotli when accepted, else gzip, else the file as it is; the same bytes decompressed', async () => {
    const br = await get(port, '/assets/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect([br.status, br.headers['content-encoding'], br.headers.vary]).toEqual([200, 'br', 'Accept-Encoding']);
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.body.length).toBeLessThan(script.length / 10);
    const gz = await get(port, '/assets/app.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(script);
    const refusedBr = await get(port, '/assets/app.js', { 'accept-encoding': 'br;q=0, gzip' });
    expect(refusedBr.headers['content-encoding']).toBe('gzip');
    const plain = await get(port, '/assets/app.js');
    expect([plain.headers['content-encoding'], plain.body.toString()]).toEqual([undefined, script]);
    // Too small to be worth it.
    expect((await get(port, '/favicon.svg', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
  });

  it('a changed file is compressed afresh, not served from the old copy', async () => {
    const next = 'console.log("rebuilt");\n'.repeat(300);
    fs.writeFileSync(path.join(dist, 'assets/app.js'), next);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(dist, 'assets/app.js'), later, later);
    const br = await get(port, '/assets/app.js', { 'accept-encoding': 'br' });
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(next);
  });

  it('never serves a source map, even one that exists', async () => {
    expect((await get(port, '/assets/app.js.map')).status).toBe(404);
  });

  it('puts the CSP and protection headers on pages and files, app routes included', async () => {
    for (const url of ['/', '/some/route', '/assets/app.js']) {
      const res = await get(port, url);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(res.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['permissions-policy']).toMatch(/camera=\(self\), microphone=\(self\)/);
    }
  });
});

describe('web server: PARLEY_FRAME_ANCESTORS', () => {
  it('lists the allowed origins in frame-ancestors and drops X-Frame-Options', () => {
    const config = loadWebConfig({ PARLEY_FRAME_ANCESTORS: 'https://intranet.example.com, http://localhost:8080/' });
    expect(config.frameAncestors).toEqual(['https://intranet.example.com', 'http://localhost:8080']);
    const headers = securityHeaders(config, 'chat.example.com');
    expect(headers['Content-Security-Policy']).toMatch(/frame-ancestors https:\/\/intranet\.example\.com http:\/\/localhost:8080(;|$)/);
    expect(headers['Content-Security-Policy']).toMatch(/connect-src 'self' ws:\/\/chat\.example\.com wss:\/\/chat\.example\.com;/);
    expect(headers['X-Frame-Options']).toBeUndefined();
  });

  it('refuses what is not an origin at start', () => {
    for (const bad of ['intranet.example.com', 'https://x.example/path', "'self'", 'javascript:alert(1)']) {
      expect(() => loadWebConfig({ PARLEY_FRAME_ANCESTORS: bad }), bad).toThrow(/PARLEY_FRAME_ANCESTORS/);
    }
  });

  it('keeps a forged Host header out of the policy', () => {
    const headers = securityHeaders(loadWebConfig({}), "evil.example; script-src 'unsafe-inline'");
    expect(headers['Content-Security-Policy']).toMatch(/connect-src 'self';/);
  });
});
