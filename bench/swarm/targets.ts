import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection, type Connection } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { freePort, TEST_JWT_SECRET } from '../../sync-server/test/harness.ts';
import { onCleanup, trackChild } from '../cleanup.ts';
import { database, parleyChild } from '../servers.ts';
import { sleep } from '../stats.ts';
import type { SwarmUser } from './protocol.ts';
import type { Profiler } from '../profile.ts';

/**
 * What the swarm runs against: Parley's sync-server or the classic relay, each
 * in its own process on its own fresh MySQL database, with the users and
 * conversations of a shape written in the way each offers (Parley: users in
 * bulk SQL, conversations through its REST API; relay: bulk SQL, as it has no
 * API of its own for them).
 */
export interface Target {
  kind: 'parley' | 'relay';
  wsUrl: string;
  pid: number;
  insertUsers(users: Array<{ id: string; username: string }>): Promise<void>;
  /** One conversation per member list (direct for two, group otherwise); returns their ids in order. */
  createConversations(memberLists: SwarmUser[][]): Promise<string[]>;
  /** Parley with BENCH_PROFILE: CPU profiles of the load phases. */
  profiler?: Profiler | null;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const ROWS_PER_INSERT = 1000;

async function bulkInsert(conn: Connection, table: string, columns: string[], rows: unknown[][]) {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [chunk]);
  }
}

/** Runs `task` over `items`, `parallel` at a time, results in order. */
async function pool<T, R>(items: T[], parallel: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  }));
  return out;
}

export async function parleyTarget(): Promise<Target> {
  const { database: db, drop } = await database('mysql');
  const server = await parleyChild(db);
  const conn = await createConnection({ uri: db.databaseUrl! });
  return {
    kind: 'parley',
    wsUrl: server.wsUrl,
    pid: server.process.pid!,
    profiler: server.profiler,
    async insertUsers(users) {
      const now = Date.now();
      // No password: these accounts sign in with the tokens the bench mints, never with a password.
      await bulkInsert(conn, 'users', ['id', 'username', 'display_name', 'password_hash', 'avatar_url', 'created_at'],
        users.map((u) => [u.id, u.username, u.username, 'none', null, now]));
    },
    createConversations(memberLists) {
      return pool(memberLists, 8, async (members) => {
        const [owner, ...others] = members;
        const body = members.length === 2
          ? { type: 'direct', memberIds: [others[0]!.id] }
          : { type: 'group', title: 'Bench group', memberIds: others.map((m) => m.id) };
        const res = await fetch(`${server.url}/api/conversations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${owner!.token}` },
          body: JSON.stringify(body),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`broken: creating a conversation: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { conversation: { id: string } }).conversation.id;
      });
    },
    async stop() {
      await conn.end();
      await server.stop();
      await drop();
    },
  };
}

export async function relayTarget(mysqlUrl: string, scratch: (base: string, prefix: string) => Promise<{ url: string; drop: () => Promise<void> }>): Promise<Target> {
  const { url: dbUrl, drop } = await scratch(mysqlUrl, 'bench_relay');
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../relay/server.ts'), String(port), dbUrl, TEST_JWT_SECRET], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopChild = onCleanup('stop relay', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('broken: the relay exited at start');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('broken: the relay did not start');
    await sleep(100);
  }
  const conn = await createConnection({ uri: dbUrl });
  return {
    kind: 'relay',
    wsUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async insertUsers(users) {
      const now = Date.now();
      await bulkInsert(conn, 'users', ['id', 'username', 'created_at'], users.map((u) => [u.id, u.username, now]));
    },
    async createConversations(memberLists) {
      const ids = memberLists.map(() => uuidv7());
      const now = Date.now();
      await bulkInsert(conn, 'conversations', ['id', 'type', 'created_at'], memberLists.map((m, i) => [ids[i], m.length === 2 ? 'direct' : 'group', now]));
      await bulkInsert(conn, 'conversation_members', ['conversation_id', 'user_id'], memberLists.flatMap((m, i) => m.map((u) => [ids[i], u.id])));
      return ids;
    },
    async stop() {
      await conn.end();
      await stopChild();
      await drop();
    },
  };
}
