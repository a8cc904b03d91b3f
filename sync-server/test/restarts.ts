import { afterEach } from 'vitest';
import type { AuthResponse } from '@parley/schema';
import type { Dialect } from '@parley/schema/db';
import { createTestDatabase, type TestDatabase } from '@parley/schema/db/testing';
import { freePort, spawnServer, type ChildServer } from './harness.ts';
import { directConversation, register, type SyncClient } from './clients.ts';

/**
 * For tests that kill and restart the real process: each test gets a fresh
 * database and a child server on it, with alice and bob in a direct
 * conversation; after the test its clients are closed, the server is killed and
 * the database dropped.
 */
export function childServerPerTest(dialect: Dialect) {
  let database: TestDatabase | null = null;
  let child: ChildServer | null = null;
  const clients: SyncClient[] = [];

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.destroy());
    await child?.kill('SIGKILL');
    child = null;
    await database?.drop();
    database = null;
  });

  return {
    /** Clients to close after the test. */
    clients,
    get child(): ChildServer {
      if (!child) throw new Error('no server: call start() first');
      return child;
    },
    get database(): TestDatabase {
      if (!database) throw new Error('no database: call start() first');
      return database;
    },
    async start(env: Record<string, string> = {}): Promise<{ port: number; alice: AuthResponse; bob: AuthResponse; conversationId: string }> {
      database = await createTestDatabase(dialect);
      const port = await freePort();
      child = await spawnServer({ database, port, env });
      const alice = await register(child.url, 'alice');
      const bob = await register(child.url, 'bob');
      const conversationId = await directConversation(child.url, alice, bob);
      return { port, alice, bob, conversationId };
    },
    /** A new server process on the same database and port (after the test killed the last one). */
    async restart(port: number, env: Record<string, string> = {}): Promise<ChildServer> {
      child = await spawnServer({ database: this.database, port, env });
      return child;
    },
  };
}
