import 'fake-indexeddb/auto';
import { afterAll, beforeAll } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import type { AuthResponse, ConversationSummary } from '@parley/schema';
import { ParleyClient, type ParleyClientConfig } from '../src/sdk/index.ts';

let counter = 0;

/** A fresh account on the server under test. */
export async function account(url: string, name = 'user'): Promise<AuthResponse> {
  const username = `${name}${Date.now().toString(36)}${(counter++).toString(36)}`.toLowerCase().slice(0, 32);
  return ParleyClient.register(url, { username, password: 'correct horse battery', displayName: name });
}

export function client(url: string, auth: AuthResponse, extra: Partial<ParleyClientConfig> = {}): ParleyClient {
  return new ParleyClient({
    serverUrl: url,
    token: auth.token,
    userId: auth.user.id,
    WebSocket,
    storage: 'memory',
    broadcastChannel: false,
    reconnect: { strategy: 'fixed', initialDelay: 100, maxDelay: 100, jitter: 0 },
    heartbeat: { interval: 1000, timeout: 2000 },
    logLevel: 'silent',
    ...extra,
  });
}

export async function direct(c: ParleyClient, other: AuthResponse): Promise<ConversationSummary> {
  return c.createDirectConversation(other.user.id);
}

/** Polls until `check` returns truthy (and returns it) or fails with `what`. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)?.slice(0, 300)})`);
}

/**
 * One real sync-server for a test file, and the clients its tests make: the
 * clients are destroyed and the server stopped after the file's last test.
 */
export function serverForFile(): { readonly server: TestServer; track(c: ParleyClient): ParleyClient } {
  const clients: ParleyClient[] = [];
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const c of clients) await c.destroy().catch(() => undefined);
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    track: (c) => (clients.push(c), c),
  };
}
