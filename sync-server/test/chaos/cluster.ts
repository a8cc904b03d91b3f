import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { TestDatabase } from '@parley/schema/db/testing';
import { cable, type Cable } from '../cable.ts';
import { freePort, spawnServer, type ChildServer } from '../harness.ts';
import type { Daemon } from './daemons.ts';

/**
 * Issue 12's setup on the suite's own MariaDB and Redis: sync-server child
 * processes through one Redis on one database, each behind a loopback cable
 * that its clients' connections (REST and WebSocket) go through. The cluster
 * keeps every instance's warnings and reads its store-failure counter.
 */
export const METRICS_TOKEN = 'chaos-metrics-token';

export interface Instance {
  name: string;
  /** The port the process listens on, the same across restarts. */
  port: number;
  /** What clients connect to. */
  cable: Cable;
  /** Base URL through the cable. */
  url: string;
  /** The running process (null while it is down). */
  child: ChildServer | null;
  /** Starts (or restarts) the process on the same port and database. */
  start(): Promise<void>;
  /** Sends `signal` and waits for the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export interface Cluster {
  database: TestDatabase;
  instances: Instance[];
  /** Every log line of level warn or above, from every process, in order. */
  warnings: Array<{ instance: string; level: number; msg: string; err?: string }>;
  /** parley_store_failures_total summed over every process that ever ran (each process counts from zero). */
  storeFailures(): Promise<number>;
  close(): Promise<void>;
}

export async function startCluster(options: { mariadb: Daemon; redis: Daemon; instances: number; env?: Record<string, string> }): Promise<Cluster> {
  const database = await ownDatabase(options.mariadb.url);
  const warnings: Cluster['warnings'] = [];
  /** The last counter read from each process, by pid. */
  const failuresByProcess = new Map<number, number>();
  const instances: Instance[] = [];
  for (let i = 0; i < options.instances; i++) {
    const name = `sync-${String.fromCharCode(97 + i)}`;
    const port = await freePort();
    const line = await cable('127.0.0.1', port);
    const instance: Instance = {
      name,
      port,
      cable: line,
      url: `http://${line.host}:${line.port}`,
      child: null,
      async start() {
        instance.child = await spawnServer({
          database,
          port,
          env: {
            REDIS_URL: options.redis.url,
            PARLEY_INSTANCE: name,
            PARLEY_METRICS_TOKEN: METRICS_TOKEN,
            LOG_LEVEL: 'warn',
            ...options.env,
          },
          onOutput: (text) => record(name, text),
          healthTimeoutMs: 120_000,
        });
      },
      async stop(signal) {
        const child = instance.child;
        instance.child = null;
        if (!child) return null;
        // The last count before the process goes (a kill -9 loses what it counted since the last read).
        await readFailures(child).catch(() => undefined);
        return child.kill(signal);
      },
    };
    instances.push(instance);
  }
  // One at a time: the first migrates the fresh database.
  for (const instance of instances) await instance.start();

  function record(instance: string, text: string) {
    try {
      const entry = JSON.parse(text) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 40) warnings.push({ instance, level: entry.level!, msg: entry.msg ?? '', ...(entry.err?.message ? { err: entry.err.message } : {}) });
    } catch {
      warnings.push({ instance, level: 50, msg: text });
    }
  }

  async function readFailures(child: ChildServer): Promise<void> {
    const res = await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    let total = 0;
    for (const m of text.matchAll(/^parley_store_failures_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) total += Number(m[1]);
    failuresByProcess.set(child.process.pid!, total);
  }
  const poll = setInterval(() => {
    for (const { child } of instances) if (child) void readFailures(child).catch(() => undefined);
  }, 500);

  return {
    database,
    instances,
    warnings,
    async storeFailures() {
      for (const { child } of instances) if (child) await readFailures(child).catch(() => undefined);
      return [...failuresByProcess.values()].reduce((a, b) => a + b, 0);
    },
    async close() {
      clearInterval(poll);
      for (const instance of instances) {
        await instance.stop('SIGKILL');
        await instance.cable.close();
      }
      await database.drop();
    },
  };
}

/** A fresh database on the suite's MariaDB, in the shape the harness's servers take. */
async function ownDatabase(serverUrl: string): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chaos-'));
  const admin = await createConnection({ uri: serverUrl });
  await admin.query('create database parley_chaos character set utf8mb4 collate utf8mb4_unicode_ci');
  await admin.end();
  return {
    dialect: 'mysql',
    dataDir,
    databaseUrl: `${serverUrl}/parley_chaos`,
    async drop() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
