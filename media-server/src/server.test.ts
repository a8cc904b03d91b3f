import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createMediaServer, type MediaServer } from './server.ts';

describe('media-server', () => {
  let dataDir: string;
  let server: MediaServer;
  let base: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-media-'));
    const config = loadConfig({ PARLEY_DATA_DIR: dataDir }, { port: 0, host: '127.0.0.1' });
    server = createMediaServer(config, createLogger('silent'));
    base = `http://127.0.0.1:${await server.listen()}`;
  });

  afterAll(async () => {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers GET /health with {ok: true}', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers an unknown route with a coded 404', async () => {
    const res = await fetch(`${base}/files/nothing-here`, { method: 'POST' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(typeof body.error.message).toBe('string');
  });

  it('answers a wrong method with 405, Allow and METHOD_NOT_ALLOWED, as the sync-server does', async () => {
    const res = await fetch(`${base}/health`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } });
  });

  it('generates the shared JWT secret into the data folder when JWT_SECRET is unset', () => {
    const secret = fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ PARLEY_DATA_DIR: dataDir }).jwtSecret).toBe(secret);
    expect(loadConfig({ PARLEY_DATA_DIR: dataDir, JWT_SECRET: 'from-env' }).jwtSecret).toBe('from-env');
  });
});
