// `npm start`: builds what is stale (the compiled packages and the web app,
// scripts/build.mjs), then runs the sync-server, the media-server and the web
// server together (CONTRACT.md).
//
// - One data folder for all (PARLEY_DATA_DIR, default ./data, resolved here).
// - Each child's log lines carry its name; pino's JSON is shown as text
//   unless PARLEY_LOG_FORMAT=json.
// - The URL is printed once all three answer their health checks.
// - SIGINT/SIGTERM go to every child, and we wait for them: the sync-server
//   flushes its document stores on the way out. A second Ctrl-C kills.
// - If one child dies, the others are stopped and we exit non-zero.

/* global fetch, AbortSignal */
import { spawn } from 'node:child_process';
import process from 'node:process';
import { setTimeout, clearTimeout } from 'node:timers';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildPackagesIfStale, buildWebIfStale } from './build.mjs';
import { formatLine } from './log-lines.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ports, syncNodeFlags } = require('../schema/src/services.json');

const HEALTH_TIMEOUT_MS = Number(process.env.PARLEY_START_TIMEOUT_MS || 90_000);
const STOP_TIMEOUT_MS = Number(process.env.PARLEY_STOP_TIMEOUT_MS || 20_000);

const env = {
  ...process.env,
  PARLEY_DATA_DIR: path.resolve(process.env.PARLEY_DATA_DIR || './data'),
  SYNC_PORT: process.env.SYNC_PORT || String(ports.sync),
  MEDIA_PORT: process.env.MEDIA_PORT || String(ports.media),
  WEB_PORT: process.env.WEB_PORT || String(ports.web),
  // The web app's proxy (started here, on loopback) forwards the browser's address in X-Forwarded-For.
  PARLEY_TRUSTED_PROXIES: process.env.PARLEY_TRUSTED_PROXIES ?? 'loopback',
};
const json = process.env.PARLEY_LOG_FORMAT === 'json';
const color = !json && process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

const SERVICES = [
  {
    name: 'sync',
    color: 36,
    cwd: path.join(root, 'sync-server'),
    // What `npm start -w sync-server` runs (the compiled dist/main.js), without
    // npm's process in between, so signals reach the server itself.
    args: [...syncNodeFlags, '--enable-source-maps', 'dist/main.js'],
    port: env.SYNC_PORT,
    health: `http://127.0.0.1:${env.SYNC_PORT}/api/health`,
  },
  {
    name: 'media',
    color: 35,
    cwd: path.join(root, 'media-server'),
    args: ['--enable-source-maps', 'dist/main.js'],
    port: env.MEDIA_PORT,
    health: `http://127.0.0.1:${env.MEDIA_PORT}/health`,
  },
  {
    name: 'web',
    color: 33,
    cwd: root,
    args: [path.join(root, 'scripts/web-server.mjs')],
    port: env.WEB_PORT,
    health: `http://127.0.0.1:${env.WEB_PORT}/__parley/health`,
  },
];
const width = Math.max(...SERVICES.map((s) => s.name.length), 'build'.length);

function say(text) {
  process.stdout.write(`${paint(1, 'parley'.padEnd(width))} │ ${text}\n`);
}

/** Writes a child's output line by line, each with its name in front. */
function pipeLines(stream, name, code, out) {
  let rest = '';
  const prefix = `${paint(code, name.padEnd(width))} │ `;
  const write = (line) => out.write(prefix + (json ? line : formatLine(line, color)) + '\n');
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) write(line);
  });
  stream.on('end', () => {
    if (rest) write(rest);
  });
}

// ---------------------------------------------------------------- build

/** Compiles the packages and builds the web app, each only if stale, side by side. */
async function buildWhatIsStale() {
  const pipe = (child) => {
    pipeLines(child.stdout, 'build', 34, process.stdout);
    pipeLines(child.stderr, 'build', 34, process.stderr);
  };
  // Both run to the end even when one fails, so no compiler outlives us.
  const results = await Promise.allSettled([buildPackagesIfStale({ say, pipe }), buildWebIfStale({ say, pipe })]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// ---------------------------------------------------------------- run

function portFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(Number(port), () => probe.close(() => resolve(true)));
  });
}

const children = new Map();
let stopping = false;
let exitCode = 0;

function launch(service) {
  // Each child gets its own process group: a terminal's Ctrl-C reaches only us,
  // and we forward one signal, so no service sees a "second Ctrl-C" and skips its flush.
  const child = spawn(process.execPath, service.args, {
    cwd: service.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // 'close', not 'exit': the child's last log lines are through the pipes by then.
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  children.set(service.name, { child, exited });
  pipeLines(child.stdout, service.name, service.color, process.stdout);
  pipeLines(child.stderr, service.name, service.color, process.stderr);
  child.on('error', (error) => say(paint(31, `${service.name} could not start: ${error.message}`)));
  void exited.then(({ code, signal }) => {
    children.delete(service.name);
    if (stopping) return;
    say(paint(31, `${service.name} exited (${signal ?? `code ${code}`}); stopping the others`));
    void stop(code || 1);
  });
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  const running = [...children.entries()];
  if (running.length > 0) say(`stopping ${running.map(([name]) => name).join(', ')}…`);
  for (const [, { child }] of running) signal(child, 'SIGTERM');
  const killer = setTimeout(() => {
    say(paint(31, `still running after ${STOP_TIMEOUT_MS} ms: killing`));
    for (const [, { child }] of children) signal(child, 'SIGKILL');
  }, STOP_TIMEOUT_MS);
  const results = await Promise.all(running.map(([name, { exited }]) => exited.then((r) => ({ name, ...r }))));
  clearTimeout(killer);
  for (const { name, code: c, signal: s } of results) {
    if (c !== 0 && s !== 'SIGTERM') {
      say(paint(31, `${name} stopped with ${s ?? `code ${c}`}`));
      if (exitCode === 0) exitCode = 1;
    }
  }
  say(exitCode === 0 ? 'stopped' : paint(31, 'stopped with errors'));
  process.exit(exitCode);
}

function signal(child, name) {
  try {
    process.kill(-child.pid, name);
  } catch {
    try {
      child.kill(name);
    } catch {
      // Already gone.
    }
  }
}

async function waitHealthy(service, deadline) {
  while (Date.now() < deadline) {
    if (stopping) return false;
    try {
      const res = await fetch(service.health, { signal: AbortSignal.timeout(2_000) });
      if (res.ok && (await res.json()).ok === true) return true;
    } catch {
      // Not up yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

let firstSignalAt = 0;
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(name, () => {
    // Under `npm start`, one Ctrl-C arrives twice: from the terminal and forwarded by npm.
    // Only a signal well after the first means "kill now".
    if (firstSignalAt === 0) {
      firstSignalAt = Date.now();
      if (process.stdout.isTTY) process.stdout.write('\n');
      say(`${name}: stopping (press Ctrl-C again to kill)`);
      void stop(0);
    } else if (Date.now() - firstSignalAt > 1000) {
      say(paint(31, 'killing'));
      for (const [, { child }] of children) signal(child, 'SIGKILL');
      process.exit(130);
    }
  });
}

async function main() {
  say(`data folder ${env.PARLEY_DATA_DIR}${process.env.DATABASE_URL ? ' (index on MySQL)' : ''}`);
  for (const service of SERVICES) {
    if (!(await portFree(service.port))) {
      say(paint(31, `port ${service.port} for ${service.name} is in use: is Parley already running? Set ${service.name.toUpperCase()}_PORT to use another.`));
      process.exit(1);
    }
  }
  await buildWhatIsStale();
  if (stopping) return;
  fs.mkdirSync(env.PARLEY_DATA_DIR, { recursive: true });
  for (const service of SERVICES) launch(service);

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  const healthy = await Promise.all(SERVICES.map((s) => waitHealthy(s, deadline)));
  if (stopping) return;
  const late = SERVICES.filter((_, i) => !healthy[i]).map((s) => s.name);
  if (late.length > 0) {
    say(paint(31, `no answer from ${late.join(', ')} within ${HEALTH_TIMEOUT_MS} ms`));
    return stop(1);
  }
  say(paint(32, `Parley is running: open ${paint(1, `http://localhost:${env.WEB_PORT}`)}  (Ctrl-C stops)`));
}

main().catch((error) => {
  say(paint(31, error.message));
  void stop(1);
});
