import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '@parley/schema/db/testing';
import type { Dialect } from '@parley/schema/db';
import { freePort, spawnServer, startTestServer, type ChildServer, type TestServer } from '../sync-server/test/harness.ts';
import { onCleanup, trackChild } from './cleanup.ts';
import { sleep } from './stats.ts';
import { connectProfiler, inspectArgs, profileDir, type Profiler } from './profile.ts';

/** The servers and databases a bench runs against, each released by cleanup.ts. */

const here = path.dirname(fileURLToPath(import.meta.url));

export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

/** Whether MariaDB/MySQL answers at TEST_MYSQL_URL (set to the default when unset). */
export async function mysqlAvailable(): Promise<boolean> {
  process.env.TEST_MYSQL_URL ||= DEFAULT_MYSQL_URL;
  try {
    const conn = await createConnection({ uri: process.env.TEST_MYSQL_URL, connectTimeout: 3000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

/** A fresh database, dropped at the end of the run (or earlier through the returned release). */
export async function database(dialect: Dialect): Promise<{ database: TestDatabase; drop: () => Promise<void> }> {
  const db = await createTestDatabase(dialect);
  const drop = onCleanup(`drop ${dialect} database`, () => db.drop());
  return { database: db, drop };
}

export interface RunningChild extends ChildServer {
  /** SIGTERM (the server flushes its stores), SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
  /** With BENCH_PROFILE: CPU profiles of chosen phases (bench/profile.ts). */
  profiler: Profiler | null;
}

/** The real sync-server (`main.ts`) in its own process, as deployed. */
export async function parleyChild(db: TestDatabase): Promise<RunningChild> {
  const inspectPort = profileDir ? await freePort() : 0;
  const child = await spawnServer({ database: db, port: await freePort(), env: { LOG_LEVEL: 'error' }, nodeArgs: inspectArgs(inspectPort) });
  trackChild(child.process);
  const profiler = profileDir ? await connectProfiler(inspectPort) : null;
  const stop = onCleanup('stop sync-server', async () => {
    profiler?.close();
    await stopChild(child.process, child.exited);
  });
  return { ...child, stop, profiler };
}

/** Plain Hocuspocus in its own process: the floor that every sync round trip pays. */
export async function plainChild(): Promise<{ wsUrl: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'plain-server.ts'), String(port)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  trackChild(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = onCleanup('stop plain Hocuspocus', () => stopChild(child, exited));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('broken: plain Hocuspocus exited at start');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('broken: plain Hocuspocus did not start');
    await sleep(100);
  }
  return { wsUrl: `ws://127.0.0.1:${port}`, stop };
}

/** The sync-server inside the bench process: its services (the store, the Hocuspocus instance) are reachable. */
export async function parleyInProcess(db: TestDatabase): Promise<TestServer> {
  const server = await startTestServer({ database: db });
  const stop = onCleanup('stop in-process sync-server', () => server.stop());
  return { ...server, stop };
}

async function stopChild(child: import('node:child_process').ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
