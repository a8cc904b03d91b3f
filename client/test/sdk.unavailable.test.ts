import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { conversationDocName, type AuthResponse, type ErrorCode } from '@parley/schema';
import { createTestDatabase, type TestDatabase } from '@parley/schema/db/testing';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import { cable, throughCable, type Cable } from '../../sync-server/test/cable.ts';
import { account, client, direct, until } from './helpers.ts';

/**
 * A database outage is the server's own fault (docs/protocol.md, "Errors",
 * UNAVAILABLE; rule SDK-A4): the sync-server runs on the shared MariaDB through
 * a TCP cable the test pulls (the database itself is never stopped). Opening a
 * document meanwhile is refused with the coded, retryable UNAVAILABLE, REST
 * answers 503 with Retry-After, and the SDK keeps retrying without a token
 * refresh or an authFailed; once the cable is back everything opens.
 */
describe.skipIf(!process.env.TEST_MYSQL_URL)('UNAVAILABLE: a database outage is retried, never an auth failure [mysql]', () => {
  let database: TestDatabase;
  let db: Cable;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    const { hostname, port } = new URL(database.databaseUrl!);
    db = await cable(hostname, Number(port || 3306));
    server = await startTestServer({ database: { ...database, databaseUrl: throughCable(database.databaseUrl!, db), drop: async () => undefined } });
  });
  afterAll(async () => {
    await db?.up();
    await server?.stop();
    await db?.close();
    await database?.drop();
  });

  it('UNAVAILABLE: refusals during the outage are coded and retryable; REST is 503 with Retry-After; the SDK opens everything once it is over', async () => {
    const alice = await account(server.url, 'alice');
    const bob = await account(server.url, 'bob');
    const first = client(server.url, alice);
    const conversationId = (await direct(first, bob)).id;
    await first.destroy();

    await db.down();
    try {
      // A raw provider sees the refusal's JSON reason.
      const reason = await refusal(server.wsUrl, alice, conversationDocName(conversationId));
      expect(JSON.parse(reason)).toMatchObject({ code: 'UNAVAILABLE' });
      const rest = await fetch(`${server.url}/api/conversations`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(rest.status).toBe(503);
      expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await rest.json()) as { error: { code: ErrorCode } }).error.code).toBe('UNAVAILABLE');
    } catch (error) {
      await db.up();
      throw error;
    }

    // The SDK, started during the outage: its user document (never loaded on this server) and the conversation are refused UNAVAILABLE.
    const paths: string[] = [];
    const sdk = client(server.url, bob, {
      refreshToken: bob.refreshToken,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        paths.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
        return fetch(input, init);
      },
      reconnect: { strategy: 'exponential', initialDelay: 50, maxDelay: 400, jitter: 0 },
    });
    const authFailed: ErrorCode[] = [];
    sdk.on('authFailed', (e) => authFailed.push(e.code));
    const handle = await sdk.openConversation(conversationId);
    await new Promise((r) => setTimeout(r, 3000));
    expect(handle.synced.synced).toBe(false);
    expect(sdk.getConnectionState()).toBe('connected');
    await db.up();

    await sdk.whenSynced(20_000);
    await until(() => handle.synced.synced, 'the conversation after the outage');
    const sent = await sdk.sendMessage({ conversationId, text: 'after the outage' });
    const { seq } = await sent.confirmed;
    await until(() => handle.messages().some((m) => m.text === 'after the outage' && m.seq === seq), 'the message in the conversation');
    expect(authFailed).toEqual([]);
    expect(paths.filter((p) => p.endsWith('/auth/refresh'))).toEqual([]);
    await sdk.destroy();
  }, 60_000);
});

/** Opens a document with a plain provider and resolves with the reason it was refused. */
function refusal(wsUrl: string, auth: AuthResponse, name: string): Promise<string> {
  const socket = new HocuspocusProviderWebsocket({ url: wsUrl, WebSocketPolyfill: WebSocket });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not refused`)), 10_000);
    const provider = new HocuspocusProvider({
      websocketProvider: socket, name, document: new Y.Doc(), token: auth.token,
      onAuthenticationFailed: ({ reason }) => {
        clearTimeout(timer);
        resolve(reason);
      },
      onSynced: () => reject(new Error(`${name} opened during the outage`)),
    });
    provider.attach();
  }).finally(() => socket.destroy());
}
