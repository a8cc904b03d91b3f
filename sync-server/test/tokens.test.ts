import { expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { userDocName } from '@parley/schema';
import { createTokenService } from '../src/auth/tokens.ts';
import { eachServer, TEST_JWT_SECRET } from './harness.ts';
import { api, register } from './clients.ts';

/** Rule A1 and issue 11: a token needs `exp`, and an account that exists, on REST and on /sync alike. */
eachServer('token checks', (server) => {
  const noExp = (userId: string) =>
    new SignJWT({ typ: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer('parley').setIssuedAt().sign(new TextEncoder().encode(TEST_JWT_SECRET));

  /** The reason /sync gave for refusing the token, or 'synced'. */
  function syncWith(userId: string, token: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = new HocuspocusProviderWebsocket({ url: server.wsUrl, WebSocketPolyfill: WebSocket });
      const provider = new HocuspocusProvider({ websocketProvider: socket, name: userDocName(userId), document: new Y.Doc(), token });
      const done = (outcome: string) => {
        provider.destroy();
        socket.destroy();
        resolve(outcome);
      };
      provider.on('synced', () => done('synced'));
      provider.on('authenticationFailed', ({ reason }: { reason: string }) => done(reason));
      provider.attach();
    });
  }

  it('A1: a token without exp is refused on REST and on /sync', async () => {
    const alice = await register(server.url, 'alice');
    const token = await noExp(alice.user.id);
    expect(await api(server.url, '/me', { token })).toMatchObject({ status: 401, body: { error: { code: 'AUTH_FAILED' } } });
    expect(await syncWith(alice.user.id, token)).toContain('AUTH_FAILED');
    expect(await syncWith(alice.user.id, alice.token)).toBe('synced');
  });

  it('A1: a well-signed token for an account that does not exist is refused on REST and on /sync', async () => {
    const ghost = '0190aaaa-0000-7000-8000-000000000000';
    const { token } = await createTokenService(TEST_JWT_SECRET, 3600).issueAccess(ghost);
    expect(await api(server.url, '/me', { token })).toMatchObject({ status: 401, body: { error: { code: 'AUTH_FAILED' } } });
    expect(await api(server.url, '/conversations', { token })).toMatchObject({ status: 401 });
    expect(await syncWith(ghost, token)).toContain('AUTH_FAILED');
  });
}, { dialects: ['sqlite'] });
