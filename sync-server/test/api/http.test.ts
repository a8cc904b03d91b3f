import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LIMITS } from '@parley/schema';
import { eachStore } from '@parley/schema/db/testing';
import { call, signUp, startApi, type ApiServer } from './setup.ts';

/** The edge itself: routing, bodies, errors, CORS (docs/api.md, "Requests and errors"). */
eachStore('API edge', (getStore, getDatabase) => {
  let api: ApiServer;
  let token: string;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir);
    token = (await signUp(api.url)).token;
  });
  afterAll(() => api.stop());

  it('GET /api/health answers {ok:true} without a token', async () => {
    expect(await call(api.url, 'GET', '/health')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('leaves paths outside /api to the caller', async () => {
    for (const path of ['/', '/apiary', '/sync', '/files/x', '//host/api/health']) {
      const res = await fetch(`${api.url}${path}`);
      expect(res.status, path).toBe(418);
    }
  });

  it('answers 404 NOT_FOUND for an unknown route, with or without a token', async () => {
    for (const auth of [undefined, token]) {
      const answer = await call(api.url, 'GET', '/no/such/thing', auth ? { token: auth } : {});
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('NOT_FOUND');
    }
    expect((await call(api.url, 'GET', '')).status).toBe(404);
  });

  it('answers 405 with Allow and a code for a wrong method', async () => {
    const answer = await call(api.url, 'DELETE', '/health');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET');
    expect(answer.body.error).toEqual({ code: 'METHOD_NOT_ALLOWED', message: expect.any(String) });
    const patch = await call(api.url, 'PUT', '/conversations', { token, body: {} });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('POST, GET');
  });

  it('answers a CORS preflight from its own origin, and refuses another origin (PARLEY_ALLOWED_ORIGINS is unset)', async () => {
    const own = new URL(api.url).origin;
    const preflight = (origin: string) => fetch(`${api.url}/api/me`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization' },
    });
    const res = await preflight(own);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(own);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/PATCH/);
    const foreign = await preflight('https://elsewhere.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const error = await call(api.url, 'GET', '/me');
    expect(error.headers.get('access-control-allow-origin')).not.toBe('*');
  });

  it('answers 400 BAD_REQUEST for malformed JSON', async () => {
    for (const raw of ['{"username": "x",', 'not json', '{"a":1}}', '\u0000']) {
      const answer = await call(api.url, 'POST', '/auth/register', { raw });
      expect(answer.status, raw).toBe(400);
      expect(answer.body.error.code).toBe('BAD_REQUEST');
    }
  });

  it('answers 400 VALIDATION_FAILED for wrong types, missing fields, an empty body and non-objects', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['/auth/login', 'POST', { username: ['a'], password: 'x' }],
      ['/auth/login', 'POST', { username: 'someone' }],
      ['/auth/login', 'POST', undefined],
      ['/auth/register', 'POST', null],
      ['/auth/register', 'POST', [1, 2, 3]],
      ['/auth/register', 'POST', 'a string'],
      ['/conversations', 'POST', { type: 'direct' }],
      ['/conversations', 'POST', { type: 'channel', memberIds: [] }],
      ['/conversations', 'POST', { type: 'group', title: 'x', memberIds: 'everyone' }],
      ['/conversations', 'POST', { type: 'group', title: '   ', memberIds: [] }],
      ['/contacts', 'POST', { userId: 42 }],
    ];
    for (const [path, method, body] of cases) {
      const answer = await call(api.url, method, path, { token, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 400 VALIDATION_FAILED for bad query parameters', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'before=-1', 'before=1.5', 'limit=1e3']) {
      const answer = await call(api.url, 'GET', `/conversations/some-id/messages?${query}`, { token });
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await call(api.url, 'GET', '/search?q=', { token })).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a declared length over the limit', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(LIMITS.jsonBodyMaxBytes), password: 'y' });
    const answer = await call(api.url, 'POST', '/auth/register', { raw: big });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 for a chunked body as soon as it passes the limit, before the client has finished sending', async () => {
    const { port } = new URL(api.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/register', headers: { 'content-type': 'application/json' } });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // Write a little over the limit and never end the request: the answer must come anyway.
      req.write('{"username":"');
      req.write('x'.repeat(LIMITS.jsonBodyMaxBytes + 1024));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 404 for a path parameter that is not valid percent-encoding', async () => {
    const answer = await call(api.url, 'GET', '/users/%E0%A4%A', { token });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 500 INTERNAL when something unexpected throws, and keeps serving', async () => {
    const presence = api.services.presence;
    api.services.presence = {
      isOnline() {
        throw new Error('presence exploded');
      },
      introduce() {},
    };
    const other = await signUp(api.url);
    await call(api.url, 'POST', '/contacts', { token, body: { userId: other.user.id } });
    try {
      const answer = await call(api.url, 'GET', '/contacts', { token });
      expect(answer.status).toBe(500);
      expect(answer.body.error).toEqual({ code: 'INTERNAL', message: 'internal error' });
    } finally {
      api.services.presence = presence;
    }
    expect((await call(api.url, 'GET', '/contacts', { token })).status).toBe(200);
  });
});
