import { afterAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import type { ParleyClient } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

/**
 * Rule SDK-A6 against a real server whose tokens live 2 s: the server ends the
 * socket when its token expires (A5, close reason TOKEN_EXPIRED); the SDK
 * refreshes and reconnects by itself, and the app sees no authentication failure.
 */
let server: TestServer | null = null;
const clients: ParleyClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.destroy().catch(() => undefined);
  await server?.stop();
});

it('SDK-A6: an expiry close refreshes the token and reconnects; sending keeps working', async () => {
  server = await startTestServer({ config: { accessTokenTtlSeconds: 2 } });
  const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
  const alice = client(server.url, a, { refreshToken: a.refreshToken });
  clients.push(alice);
  const failures: unknown[] = [];
  const reasons: string[] = [];
  const refreshed: string[] = [];
  let state = '';
  alice.on('stateChanged', (next) => (state = next));
  alice.on('authFailed', (e) => failures.push(e));
  alice.on('disconnected', (reason) => reasons.push(reason));
  alice.on('tokenRefreshed', ({ token }) => refreshed.push(token));
  await alice.connect();
  const conv = await direct(alice, b);
  await alice.openConversation(conv.id);

  await until(() => reasons.includes('TOKEN_EXPIRED'), 'the expiry close', 10_000);
  await until(() => refreshed.length > 0 && state === 'connected', 'refreshed and connected again', 10_000);
  const sent = await alice.sendMessage({ conversationId: conv.id, text: 'after the expiry' });
  expect((await sent.confirmed).seq).toBeGreaterThan(0);
  expect(failures).toEqual([]);
}, 30_000);
