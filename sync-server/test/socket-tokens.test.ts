import { expect, it } from 'vitest';
import { userDocName, type AuthResponse } from '@parley/schema';
import { eachServer } from './harness.ts';
import { api, register } from './clients.ts';
import { rawClient, type RawClient } from './raw.ts';

/** Issue 11, tokens on open sockets (rules A5, A6): an expired token or a signed-out session ends the socket. */
async function opened(wsUrl: string, name: string, token: string): Promise<RawClient> {
  const client = await rawClient(wsUrl);
  client.auth(name, token);
  await client.authenticated(name);
  return client;
}

const expiryOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

eachServer('tokens on open sockets', (server) => {
  it('A5: a socket ends with TOKEN_EXPIRED when its token expires', async () => {
    const alice = await register(server.url, 'alice');
    const client = await opened(server.wsUrl, userDocName(alice.user.id), alice.token);
    expect(await within(client.closed, 6000)).toEqual({ code: 4401, reason: 'TOKEN_EXPIRED' });
  });

  it('A5: a fresh token sent on the open socket keeps it open until that token expires', async () => {
    const alice = await register(server.url, 'alice');
    const name = userDocName(alice.user.id);
    const client = await opened(server.wsUrl, name, alice.token);
    await new Promise((r) => setTimeout(r, 1000));
    const { body: renewed } = await api<AuthResponse>(server.url, '/auth/refresh', { body: { refreshToken: alice.refreshToken } });
    // The provider's token sync: an auth frame on a document that is already open.
    client.auth(name, renewed.token);
    const closed = await within(client.closed, 8000);
    expect(closed).toEqual({ code: 4401, reason: 'TOKEN_EXPIRED' });
    // Not at the first token's expiry, at the second's (JWT expiries are whole seconds).
    expect(expiryOf(renewed.token)).toBeGreaterThan(expiryOf(alice.token));
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(renewed.token));
  });
}, { dialects: ['sqlite'], config: { accessTokenTtlSeconds: 2 } });

eachServer('logout on open sockets', (server) => {
  it('A6: a logout ends the sockets of that session, and its access token, but not the user\'s other sessions', async () => {
    const first = await register(server.url, 'alice');
    const { body: second } = await api<AuthResponse>(server.url, '/auth/login', { body: { username: first.user.username, password: 'correct horse battery' } });
    const name = userDocName(first.user.id);
    const a = await opened(server.wsUrl, name, first.token);
    const b = await opened(server.wsUrl, name, second.token);

    expect(await api(server.url, '/auth/logout', { token: first.token, body: { refreshToken: first.refreshToken } })).toMatchObject({ status: 204 });
    expect(await within(a.closed, 5000)).toEqual({ code: 4401, reason: 'AUTH_FAILED' });
    expect(await within(b.closed, 500)).toBe('still open');
    // The signed-out session's access token opens nothing any more, on /sync or REST.
    const again = await rawClient(server.wsUrl);
    again.auth(name, first.token);
    await expect(again.authenticated(name)).rejects.toThrow(/AUTH_FAILED/);
    expect(await api(server.url, '/me', { token: first.token })).toMatchObject({ status: 401 });
    expect(await api(server.url, '/me', { token: second.token })).toMatchObject({ status: 200 });
    for (const c of [b, again]) c.close();
  });
}, { dialects: ['sqlite'] });
