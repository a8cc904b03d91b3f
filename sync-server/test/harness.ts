import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '@parley/schema/db/testing';
import type { Dialect } from '@parley/schema/db';
import { SYNC_NODE_FLAGS } from '@parley/schema';
import { loadConfig, type ConfigOverrides } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createSyncServer, type SyncServer } from '../src/server.ts';
import type { Services } from '../src/services.ts';

/**
 * Real servers for tests: in-process (`startTestServer`) or as a child process
 * that can be killed with SIGKILL and restarted on the same data (`spawnServer`).
 */

export interface TestServer {
  url: string;
  wsUrl: string;
  services: Services;
  database: TestDatabase;
  sync: SyncServer;
  /** Closes the server and drops its database. */
  stop(): Promise<void>;
}

export async function startTestServer(
  options: { dialect?: Dialect; database?: TestDatabase; config?: ConfigOverrides } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase(options.dialect ?? 'sqlite'));
  const config = loadConfig({ DATABASE_URL: database.databaseUrl }, {
    dataDir: database.dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    jwtSecret: 'test-secret-test-secret-test-secret',
    commandRatePerSecond: 100_000,
    commandBurst: 100_000,
    presenceGraceMs: 200,
    documentIdleMs: 300,
    // Suites register many users from one address; the limit has its own tests.
    registrationsPerHour: 100_000,
    ...options.config,
  });
  const sync = await createSyncServer(config, { log: createLogger(config.logLevel) });
  await sync.listen();
  const url = sync.url;
  return {
    url,
    wsUrl: `${url.replace('http', 'ws')}/sync`,
    services: sync.services,
    database,
    sync,
    async stop() {
      await sync.close();
      if (!options.database) await database.drop();
    },
  };
}

/**
 * Runs a suite against a real in-process server, once per database under test
 * (SQLite, and MySQL when TEST_MYSQL_URL is set); `dialects` narrows that.
 * The server object is filled in before the suite's first test runs.
 */
export function eachServer(
  title: string,
  suite: (server: TestServer, dialect: Dialect) => void,
  options: { dialects?: Dialect[]; config?: ConfigOverrides } = {},
): void {
  for (const dialect of options.dialects ?? testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      const server = {} as TestServer;
      beforeAll(async () => {
        Object.assign(server, await startTestServer({ dialect, ...(options.config ? { config: options.config } : {}) }));
      });
      afterAll(async () => {
        await server.stop?.();
      });
      suite(server, dialect);
    });
  }
}

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildServer {
  url: string;
  wsUrl: string;
  process: ChildProcess;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * The real `main.ts` in a child process, on a given port and database. Its
 * output goes to the test's, or line by line to `onOutput` (logs to read).
 */
export async function spawnServer(options: {
  database: TestDatabase;
  port: number;
  env?: Record<string, string>;
  /** Node flags before the script's own (a CPU profile, …). */
  nodeArgs?: string[];
  onOutput?: (line: string) => void;
  /** How long the process may take to answer /api/health (a loaded machine starts slowly). */
  healthTimeoutMs?: number;
}): Promise<ChildServer> {
  const child = spawn(process.execPath, [...SYNC_NODE_FLAGS, ...(options.nodeArgs ?? []), '--conditions=@parley/source', '--import', 'tsx', path.join(root, 'src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      SYNC_PORT: String(options.port),
      SYNC_HOST: '127.0.0.1',
      PARLEY_DATA_DIR: options.database.dataDir,
      DATABASE_URL: options.database.databaseUrl ?? '',
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      PARLEY_COMMAND_RATE: '100000',
      PARLEY_COMMAND_BURST: '100000',
      PARLEY_REGISTER_LIMIT: '100000',
      // Load tools and suites open thousands of sockets from 127.0.0.1 (rule B6 counts per address).
      PARLEY_UNAUTHENTICATED_PER_ADDRESS: '100000',
      ...options.env,
    },
    stdio: ['ignore', options.onOutput ? 'pipe' : 'inherit', options.onOutput ? 'pipe' : 'inherit'],
  });
  if (options.onOutput) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', options.onOutput);
    }
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  await waitForHealth(url, exited, options.healthTimeoutMs);
  return {
    url,
    wsUrl: `ws://127.0.0.1:${options.port}/sync`,
    process: child,
    exited,
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

async function waitForHealth(url: string, exited: Promise<number | null>, timeoutMs = 30_000) {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) throw new Error('server exited before it became healthy');
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} not healthy after ${timeoutMs} ms`);
}

export { freePort } from './ports.ts';
