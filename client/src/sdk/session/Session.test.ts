import { describe, expect, it } from 'vitest';
import type { Logger } from '../config.ts';
import { Session, type RenewedTokens } from './Session.ts';

const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * A stand-in for the sync-server's two token endpoints, keeping their rules:
 * a refresh token works once (docs/api.md). The real server is exercised in
 * client/test/sdk.session.test.ts.
 */
function authServer() {
  let n = 0;
  const valid = new Set(['r0']);
  const calls: Array<{ path: string; body: { refreshToken?: string }; auth: string | null }> = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    const body = JSON.parse(String(init.body)) as { refreshToken?: string };
    const auth = (init.headers as Record<string, string>).authorization ?? null;
    calls.push({ path, body, auth });
    await new Promise((r) => setTimeout(r, 5));
    if (path === '/api/auth/refresh') {
      if (!body.refreshToken || !valid.delete(body.refreshToken)) return Response.json({ error: { code: 'AUTH_FAILED', message: 'spent' } }, { status: 401 });
      n++;
      valid.add(`r${n}`);
      return Response.json({ token: `t${n}`, refreshToken: `r${n}`, expiresAt: n, user: { id: 'u' } });
    }
    if (path === '/api/auth/logout') {
      if (auth === 'Bearer expired') return Response.json({ error: { code: 'TOKEN_EXPIRED', message: 'expired' } }, { status: 401 });
      valid.delete(body.refreshToken ?? '');
      return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 404 });
  }) as typeof fetch;
  return { fetchImpl, calls, valid };
}

function session(server: ReturnType<typeof authServer>, token = 't0') {
  const renewed: RenewedTokens[] = [];
  let changes = 0;
  const s = new Session('http://server/api', server.fetchImpl, { token, refreshToken: 'r0' }, silent, {
    tokenChanged: () => changes++,
    renewed: (t) => renewed.push(t),
  });
  return { s, renewed, changes: () => changes };
}

describe('SDK-A2: one refresher of single-use refresh tokens', () => {
  it('five callers that find the token expired share one refresh; the new pair is announced once', async () => {
    const server = authServer();
    const { s, renewed, changes } = session(server);
    const results = await Promise.all(Array.from({ length: 5 }, () => s.refresh()));
    expect(results).toEqual([true, true, true, true, true]);
    expect(server.calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1);
    expect(renewed).toEqual([{ token: 't1', refreshToken: 'r1', expiresAt: 1 }]);
    expect([s.token, s.refreshToken, changes()]).toEqual(['t1', 'r1', 1]);
    // The next refresh presents the new token, not the spent one.
    expect(await s.refresh()).toBe(true);
    expect(server.calls.map((c) => c.body.refreshToken)).toEqual(['r0', 'r1']);
  });

  it('a refused refresh answers false and keeps the tokens', async () => {
    const server = authServer();
    server.valid.clear();
    const { s, renewed } = session(server);
    expect(await s.refresh()).toBe(false);
    expect([s.token, renewed.length]).toEqual(['t0', 0]);
  });

  it('update() refuses an empty token with CONFIG_INVALID', () => {
    const { s } = session(authServer());
    expect(() => s.update('')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('SDK-A3: logout revokes the refresh token and forgets it', () => {
  it('presents the current refresh token with the access token, then refreshes no more', async () => {
    const server = authServer();
    const { s } = session(server);
    await s.logout();
    expect(server.calls).toEqual([{ path: '/api/auth/logout', body: { refreshToken: 'r0' }, auth: 'Bearer t0' }]);
    expect(server.valid.size).toBe(0);
    expect([s.canRefresh, await s.refresh()]).toEqual([false, false]);
  });

  it('an expired access token is renewed first and the renewed refresh token revoked', async () => {
    const server = authServer();
    const { s } = session(server, 'expired');
    await s.logout();
    expect(server.calls.map((c) => c.path)).toEqual(['/api/auth/logout', '/api/auth/refresh', '/api/auth/logout']);
    expect(server.calls[2]!.body.refreshToken).toBe('r1');
    expect(server.valid.size).toBe(0);
  });

  it('offline, it still forgets the tokens locally', async () => {
    const s = new Session('http://server/api', (() => Promise.reject(new Error('offline'))) as typeof fetch, { token: 't', refreshToken: 'r' }, silent, {
      tokenChanged() {}, renewed() {},
    });
    await s.logout();
    expect(s.refreshToken).toBeUndefined();
  });
});
