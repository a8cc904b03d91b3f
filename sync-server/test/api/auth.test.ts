import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { eachStore } from '@parley/schema/db/testing';
import { createTokenService } from '../../src/auth/tokens.ts';
import { createAttemptLimiter } from '../../src/auth/rateLimit.ts';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.ts';
import { LIMITS } from '@parley/schema';
import { clientAddress, trustedProxies } from '../../src/http/address.ts';
import { PASSWORD, SECRET, call, signUp, startApi, uniqueName, type ApiServer } from './setup.ts';

eachStore('accounts API', (getStore, getDatabase) => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir);
  });
  afterAll(() => api.stop());

  it('registers: 201 with an access token, a refresh token and the user; the name is lower-cased', async () => {
    const name = uniqueName('Mixed');
    const { status, body } = await call(api.url, 'POST', '/auth/register', { body: { username: name, password: PASSWORD } });
    expect(status).toBe(201);
    expect(body).toMatchObject({ token: expect.any(String), refreshToken: expect.any(String), expiresAt: expect.any(Number) });
    expect(body.user).toEqual({ id: expect.any(String), username: name.toLowerCase(), displayName: name.toLowerCase(), avatarUrl: null });
    expect(body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const me = await call(api.url, 'GET', '/me', { token: body.token });
    expect(me).toMatchObject({ status: 200, body: { user: body.user } });
  });

  it('stores a scrypt hash, never the password, and no refresh token in clear', async () => {
    const auth = await signUp(api.url);
    const { db } = getStore();
    const row = await db.selectFrom('users').select('password_hash').where('id', '=', auth.user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain(PASSWORD);
    const tokens = await db.selectFrom('refresh_tokens').select('id').where('user_id', '=', auth.user.id).execute();
    expect(tokens.map((t) => t.id)).not.toContain(auth.refreshToken);
    expect(tokens[0]!.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['too short a name', { username: 'ab', password: PASSWORD }],
    ['too long a name', { username: 'a'.repeat(33), password: PASSWORD }],
    ['a name with a space', { username: 'bad name', password: PASSWORD }],
    ['a name with an emoji', { username: 'bad🎉', password: PASSWORD }],
    ['too short a password', { username: 'shortpw', password: '1234567' }],
    ['too long a password', { username: 'longpw', password: 'x'.repeat(257) }],
    ['a number for a name', { username: 12345, password: PASSWORD }],
    ['no password', { username: 'nopassword' }],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_, body) => {
    const answer = await call(api.url, 'POST', '/auth/register', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(answer.body.error.message).toEqual(expect.any(String));
  });

  it('answers 409 USERNAME_TAKEN for a taken name, whatever its case', async () => {
    const name = uniqueName('taken');
    expect((await call(api.url, 'POST', '/auth/register', { body: { username: name, password: PASSWORD } })).status).toBe(201);
    const again = await call(api.url, 'POST', '/auth/register', { body: { username: name.toUpperCase(), password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('USERNAME_TAKEN');
  });

  it('lets exactly one of ten concurrent registrations of one name win; the rest get 409', async () => {
    const name = uniqueName('race');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call(api.url, 'POST', '/auth/register', { body: { username: name, password: PASSWORD } })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409 && a.body.error.code === 'USERNAME_TAKEN')).toHaveLength(9);
    const rows = await getStore().db.selectFrom('users').select('id').where('username', '=', name).execute();
    expect(rows).toHaveLength(1);
  });

  it('keeps a display name with emoji and SQL metacharacters exactly', async () => {
    const displayName = `🎉 Ro'bert"); DROP TABLE users;-- 张伟 %_\\`;
    const auth = await signUp(api.url, 'meta', displayName);
    expect(auth.user.displayName).toBe(displayName);
    const me = await call(api.url, 'GET', '/me', { token: auth.token });
    expect(me.body.user.displayName).toBe(displayName);
  });

  it('logs in with the password (any case of the name) and refuses a wrong one with 401 AUTH_FAILED', async () => {
    const auth = await signUp(api.url);
    const ok = await call(api.url, 'POST', '/auth/login', { body: { username: auth.user.username.toUpperCase(), password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual(auth.user);
    expect(ok.body.refreshToken).not.toBe(auth.refreshToken);
    const bad = await call(api.url, 'POST', '/auth/login', { body: { username: auth.user.username, password: 'wrong password' } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('AUTH_FAILED');
    const nobody = await call(api.url, 'POST', '/auth/login', { body: { username: 'no_such_user_here', password: PASSWORD } });
    expect(nobody.status).toBe(401);
    expect(nobody.body.error).toEqual(bad.body.error);
  });

  it('rotates refresh tokens: a used one is refused with 401, the new one works', async () => {
    const auth = await signUp(api.url);
    const first = await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: auth.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.user).toEqual(auth.user);
    expect(first.body.refreshToken).not.toBe(auth.refreshToken);
    expect((await call(api.url, 'GET', '/me', { token: first.body.token })).status).toBe(200);

    const reused = await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: auth.refreshToken } });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('AUTH_FAILED');
    const second = await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(second.status).toBe(200);
  });

  it('lets only one of two concurrent refreshes with one token succeed', async () => {
    const auth = await signUp(api.url);
    const answers = await Promise.all([0, 1, 2].map(() => call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: auth.refreshToken } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401]);
  });

  it('refuses unknown and expired refresh tokens', async () => {
    expect((await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: 'never-issued' } })).status).toBe(401);
    const auth = await signUp(api.url);
    await getStore().db.updateTable('refresh_tokens').set({ expires_at: Date.now() - 1 }).where('user_id', '=', auth.user.id).execute();
    const expired = await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: auth.refreshToken } });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('AUTH_FAILED');
  });

  it('logs out: 204, and the refresh token no longer works', async () => {
    const auth = await signUp(api.url);
    const out = await call(api.url, 'POST', '/auth/logout', { token: auth.token, body: { refreshToken: auth.refreshToken } });
    expect(out.status).toBe(204);
    expect((await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: auth.refreshToken } })).status).toBe(401);
    // Idempotent.
    expect((await call(api.url, 'POST', '/auth/logout', { token: auth.token, body: { refreshToken: auth.refreshToken } })).status).toBe(204);
  });

  it("cannot log someone else's refresh token out", async () => {
    const alice = await signUp(api.url);
    const mallory = await signUp(api.url);
    expect((await call(api.url, 'POST', '/auth/logout', { token: mallory.token, body: { refreshToken: alice.refreshToken } })).status).toBe(204);
    expect((await call(api.url, 'POST', '/auth/refresh', { body: { refreshToken: alice.refreshToken } })).status).toBe(200);
  });

  it('updates the profile with PATCH /me and validates it', async () => {
    const auth = await signUp(api.url);
    const patched = await call(api.url, 'PATCH', '/me', { token: auth.token, body: { displayName: '  新名字 ✨ ', avatarUrl: 'https://example.org/a.png' } });
    expect(patched.status).toBe(200);
    expect(patched.body.user).toMatchObject({ displayName: '新名字 ✨', avatarUrl: 'https://example.org/a.png' });
    expect((await call(api.url, 'PATCH', '/me', { token: auth.token, body: { avatarUrl: null } })).body.user.avatarUrl).toBeNull();
    for (const body of [{}, { displayName: '' }, { displayName: 'x'.repeat(65) }, { avatarUrl: 'javascript:alert(1)' }, { avatarUrl: 42 }]) {
      const bad = await call(api.url, 'PATCH', '/me', { token: auth.token, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await call(api.url, 'GET', '/me', { token: auth.token })).body.user.displayName).toBe('新名字 ✨');
  });

  describe('tokens', () => {
    it('401 AUTH_FAILED without a token, with a malformed header, or with a garbage token', async () => {
      for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer' }, { authorization: 'Bearer not.a.jwt' }] as Array<Record<string, string>>) {
        const answer = await call(api.url, 'GET', '/me', { headers });
        expect(answer.status, JSON.stringify(headers)).toBe(401);
        expect(answer.body.error.code).toBe('AUTH_FAILED');
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
    });

    it('401 AUTH_FAILED for a token signed with another secret or with alg none', async () => {
      const auth = await signUp(api.url);
      const forged = await createTokenService('some-other-secret-entirely', 3600).issueAccess(auth.user.id);
      expect((await call(api.url, 'GET', '/me', { token: forged.token })).body.error.code).toBe('AUTH_FAILED');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: auth.user.id, iss: 'parley', typ: 'access', exp: 9999999999 })).toString('base64url');
      const none = await call(api.url, 'GET', '/me', { token: `${header}.${payload}.` });
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('AUTH_FAILED');
    });

    it('401 AUTH_FAILED for a refresh token used as an access token, or a token of the wrong type', async () => {
      const auth = await signUp(api.url);
      expect((await call(api.url, 'GET', '/me', { token: auth.refreshToken })).status).toBe(401);
      const wrongType = await new SignJWT({ typ: 'refresh' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(auth.user.id)
        .setIssuer('parley')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
      expect((await call(api.url, 'GET', '/me', { token: wrongType })).body.error.code).toBe('AUTH_FAILED');
    });

    it('401 TOKEN_EXPIRED for an expired token', async () => {
      const auth = await signUp(api.url);
      const expired = await createTokenService(SECRET, -60).issueAccess(auth.user.id);
      const answer = await call(api.url, 'GET', '/me', { token: expired.token });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('TOKEN_EXPIRED');
    });

    it('401 for a valid token of an account that does not exist', async () => {
      const ghost = await createTokenService(SECRET, 3600).issueAccess('0190aaaa-0000-7000-8000-000000000000');
      expect((await call(api.url, 'GET', '/me', { token: ghost.token })).body.error.code).toBe('AUTH_FAILED');
    });
  });
});

eachStore('login rate limit', (getStore, getDatabase) => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir, { trustedProxies: ['loopback'] });
  });
  afterAll(() => api.stop());
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('answers 429 RATE_LIMITED with Retry-After after 10 failures for a name from one address, even with the right password', async () => {
    const auth = await signUp(api.url);
    for (let i = 0; i < 10; i++) {
      const bad = await call(api.url, 'POST', '/auth/login', { headers: from('203.0.113.10'), body: { username: auth.user.username, password: `wrong ${i}` } });
      expect(bad.status).toBe(401);
    }
    const limited = await call(api.url, 'POST', '/auth/login', { headers: from('203.0.113.10'), body: { username: auth.user.username, password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('issue 11: wrong passwords from elsewhere never lock the owner out', async () => {
    const owner = await signUp(api.url);
    for (let i = 0; i < 30; i++) {
      const bad = await call(api.url, 'POST', '/auth/login', { headers: from(`198.51.100.${i % 3}`), body: { username: owner.user.username, password: `wrong ${i}` } });
      expect([401, 429]).toContain(bad.status);
    }
    const ok = await call(api.url, 'POST', '/auth/login', { headers: from('203.0.113.77'), body: { username: owner.user.username, password: PASSWORD } });
    expect(ok.status).toBe(200);
  });

  it('limits an address across names too (50 failures), without touching other addresses', async () => {
    const [bystander, other] = [await signUp(api.url), await signUp(api.url)];
    for (let i = 0; i < LIMITS.loginAddressAttempts; i++) {
      await call(api.url, 'POST', '/auth/login', { headers: from('203.0.113.1'), body: { username: `nobody${i}`, password: 'wrong password' } });
    }
    expect((await call(api.url, 'POST', '/auth/login', { headers: from('203.0.113.1'), body: { username: bystander.user.username, password: PASSWORD } })).status).toBe(429);
    expect((await call(api.url, 'POST', '/auth/login', { headers: from('203.0.113.2'), body: { username: other.user.username, password: PASSWORD } })).status).toBe(200);
  });
});

eachStore('registration limit', (getStore, getDatabase) => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir, { registrationsPerHour: 5, trustedProxies: ['loopback'] });
  });
  afterAll(() => api.stop());

  it('issue 11: answers 429 RATE_LIMITED past the registrations allowed per address, other addresses unaffected', async () => {
    const attempt = (address: string, i: number) =>
      call(api.url, 'POST', '/auth/register', { headers: { 'x-forwarded-for': address }, body: { username: `reg${Date.now().toString(36)}${i}`, password: PASSWORD } });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await attempt('203.0.113.5', i)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    expect((await attempt('203.0.113.6', 99)).status).toBe(201);
  });
});

eachStore('X-Forwarded-For without a trusted proxy', (getStore, getDatabase) => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir, { registrationsPerHour: 3 });
  });
  afterAll(() => api.stop());

  it('issue 11: by default a forged X-Forwarded-For from loopback does not buy a fresh address', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(api.url, 'POST', '/auth/register', { headers: { 'x-forwarded-for': `203.0.113.${i}` }, body: { username: `xff${Date.now().toString(36)}${i}`, password: PASSWORD } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
  });
});

describe('client address', () => {
  const req = (remoteAddress: string, xff?: string) =>
    ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  it('believes X-Forwarded-For only from the configured proxies, read from the right', () => {
    const none = trustedProxies([]);
    expect(clientAddress(req('127.0.0.1', '203.0.113.5'), none)).toBe('127.0.0.1');
    expect(clientAddress(req('10.0.0.2', '203.0.113.5'), none)).toBe('10.0.0.2');
    const proxies = trustedProxies(['loopback', '172.16.0.0/12', '10.0.0.2']);
    expect(clientAddress(req('198.51.100.9', '203.0.113.5'), proxies)).toBe('198.51.100.9');
    expect(clientAddress(req('::ffff:198.51.100.9'), proxies)).toBe('198.51.100.9');
    expect(clientAddress(req('127.0.0.1'), proxies)).toBe('127.0.0.1');
    expect(clientAddress(req('127.0.0.1', '203.0.113.5'), proxies)).toBe('203.0.113.5');
    expect(clientAddress(req('::1', 'spoofed.example, 1.2.3.4, 203.0.113.5, 172.20.0.3'), proxies)).toBe('203.0.113.5');
    // A private address is a client unless it is named: 192.168.1.7 is not.
    expect(clientAddress(req('10.0.0.2', '203.0.113.5, 192.168.1.7'), proxies)).toBe('192.168.1.7');
    expect(clientAddress(req('127.0.0.1', 'garbage'), proxies)).toBe('127.0.0.1');
    expect(() => trustedProxies(['not-an-address'])).toThrow();
  });
});

describe('attempt limiter', () => {
  it('counts attempts per key, refuses past the points, and resets', async () => {
    const limiter = createAttemptLimiter({ name: 't', points: 3, durationMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(await limiter.retryAfter('a')).toBe(0);
      await limiter.hit('a');
    }
    expect(await limiter.retryAfter('a')).toBeGreaterThan(50_000);
    expect(await limiter.retryAfter('b')).toBe(0);
    await limiter.reset('a');
    expect(await limiter.retryAfter('a')).toBe(0);
  });
});

describe('passwords', () => {
  it('verifies the right password, refuses others and malformed hashes', async () => {
    const hash = await hashPassword('pässwörd 🎉');
    expect(await verifyPassword('pässwörd 🎉', hash)).toBe(true);
    expect(await verifyPassword('pässwörd 🎊', hash)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$a$b$c$$')).toBe(false);
  });
});
