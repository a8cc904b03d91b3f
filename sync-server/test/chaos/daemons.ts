import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../harness.ts';

/**
 * A MariaDB and a Redis of the chaos suite's own, in a temporary directory on
 * free ports, so the suite can kill and restart them without touching the
 * machine's shared ones. Each keeps its data directory and port across restarts.
 */
export interface Daemon {
  /** mysql://… or redis://… */
  url: string;
  port: number;
  /** kill -9, then (after `downMs`) the same daemon on the same port and data again. */
  restart(downMs: number): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

/** A daemon process that `start` spawns and that answers on `port` once ready. */
async function daemon(options: { name: string; dir: string; port: number; url: string; start: () => ChildProcess }): Promise<Daemon> {
  let child: ChildProcess | null = null;
  // A test process that dies leaves no daemon behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  const launch = async () => {
    const started = options.start();
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    child = started;
    let dead = false;
    void exited.then(() => (dead = true));
    const deadline = Date.now() + 60_000;
    while (!(await answers(options.port))) {
      if (dead) throw new Error(`${options.name} exited before it answered (see ${options.dir})`);
      if (Date.now() > deadline) throw new Error(`${options.name} did not answer on ${options.port} within 60 s`);
      await sleep(100);
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await gone;
  };
  await launch();
  return {
    url: options.url,
    port: options.port,
    async restart(downMs) {
      await kill('SIGKILL');
      await sleep(downMs);
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      fs.rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

export async function ownMariadb(): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chaos-mariadb-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await promisify(execFile)('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot]);
  const port = await freePort();
  return daemon({
    name: 'mariadbd',
    dir,
    port,
    // Root from 127.0.0.1 with an empty password, as mariadb-install-db creates it.
    url: `mysql://root@127.0.0.1:${port}`,
    start: () =>
      spawn('mariadbd', [
        '--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1',
        `--socket=${path.join(dir, 'mariadb.sock')}`, `--pid-file=${path.join(dir, 'mariadb.pid')}`,
        `--log-error=${path.join(dir, 'error.log')}`, '--skip-log-bin', '--innodb-buffer-pool-size=128M',
        '--max-connections=500', ...asRoot,
      ], { stdio: 'ignore' }),
  });
}

export async function ownRedis(): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chaos-redis-'));
  const port = await freePort();
  return daemon({
    name: 'redis-server',
    dir,
    port,
    url: `redis://127.0.0.1:${port}`,
    start: () =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log')], {
        stdio: 'ignore',
      }),
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
