import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { createConnection } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { TEST_JWT_SECRET } from '../../sync-server/test/harness.ts';
import { onCleanup, trackChild } from '../cleanup.ts';
import { distribution, type Distribution } from '../stats.ts';
import { cpuMs, rssBytes } from './proc.ts';
import type { FromWorker, PlanEntry, SwarmUser, ToWorker } from './protocol.ts';
import type { Target } from './targets.ts';

/**
 * The load tool: a swarm of lightweight protocol clients spread over a few
 * worker processes, against one target (Parley or the classic relay) at a
 * time. One shape drives both targets: the same users, conversations, senders,
 * readers and offered rates.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Shape {
  clients: number;
  conversations: number;
  groupSize: number;
  /** Offered loads, msgs/s, each for durationMs. */
  rates: number[];
  durationMs: number;
  /** Connected in this many equal steps, RSS read after each (memory against connections). */
  connectSteps: number;
  /** Idle clients that disconnect and reconnect at once, while a load runs at churnRate. */
  churn?: { clients: number; rate: number };
  /** Offline senders (each in its own direct conversation) with this many messages each, reconnecting at once. */
  backlog?: { senders: number; perSender: number };
}

export interface LoadFigure {
  offered: number;
  count: number;
  visible: Distribution;
  missing: number;
  /** Messages over (duration + slowest latency): what the target kept up. */
  completedPerSecond: number;
  serverCpuMsPerMessage: number;
  generatorLagMs: number;
}

export interface SwarmResult {
  target: 'parley' | 'relay';
  shape: Shape;
  setupMs: number;
  connect: { ms: number; failed: number; firstFailure?: string };
  memory: Array<{ connections: number; rssBytes: number }>;
  idleRssBytes: number;
  loads: LoadFigure[];
  churn?: { clients: number; reconnectMs: number; retried: number; serverCpuMs: number; load: LoadFigure };
  backlog?: { messages: number; allVisibleMs: number; visible: Distribution; missing: number; serverCpuMs: number };
}

class Worker {
  private readonly waiting: Array<{ op: string; resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      if (m.op === 'error') for (const w of this.waiting.splice(0)) w.reject(new Error(`swarm worker: ${m.message}`));
      const i = this.waiting.findIndex((w) => w.op === m.op);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`swarm worker exited (${code})`));
    });
  }
  ask<T extends FromWorker['op']>(m: ToWorker, op: T): Promise<Extract<FromWorker, { op: T }>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ op, resolve: resolve as (m: FromWorker) => void, reject });
      this.child.send(m);
    });
  }
}

function startWorkers(count: number): { workers: Worker[]; stop: () => Promise<void> } {
  const workers = Array.from({ length: count }, () => {
    const child = fork(path.join(here, 'worker.ts'), [], {
      execArgv: ['--conditions=@parley/source', '--import', 'tsx', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    trackChild(child);
    return new Worker(child);
  });
  const stop = onCleanup('stop swarm workers', async () => {
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.child.exitCode !== null) return resolve();
      w.child.once('exit', () => resolve());
      w.child.send({ op: 'exit' } satisfies ToWorker);
      setTimeout(() => w.child.kill('SIGKILL'), 5000).unref();
    })));
  });
  return { workers, stop };
}

/** Users of one worker and their conversations: every member of a conversation lives in the same worker. */
interface Population {
  perWorker: Array<{ users: SwarmUser[]; conversations: Array<{ id: string; members: number[] }>; backlog: Array<[sender: number, conversation: string, reader: number]> }>;
}

async function populate(target: Target, shape: Shape, workerCount: number): Promise<Population> {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const stamp = Date.now().toString(36);
  const backlogUsers = (shape.backlog?.senders ?? 0) * 2;
  const all: Array<{ id: string; username: string }> = [];
  for (let i = 0; i < shape.clients + backlogUsers; i++) all.push({ id: uuidv7(), username: `sw${stamp}${i.toString(36)}` });
  const tokens = await Promise.all(all.map((u) =>
    new SignJWT({ typ: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuer('parley').setIssuedAt().setExpirationTime('6h').sign(key)));
  await target.insertUsers(all);

  const perWorker: Population['perWorker'] = Array.from({ length: workerCount }, () => ({ users: [], conversations: [], backlog: [] }));
  all.slice(0, shape.clients).forEach((u, i) => perWorker[i % workerCount]!.users.push({ id: u.id, token: tokens[i]!, conversations: [] }));
  const groups: Array<{ worker: number; members: number[] }> = [];
  for (let c = 0; c < shape.conversations; c++) {
    const w = perWorker[c % workerCount]!;
    const k = Math.floor(c / workerCount);
    if (shape.groupSize > w.users.length) throw new Error(`shape: groups of ${shape.groupSize} need more than ${shape.clients} clients`);
    groups.push({ worker: c % workerCount, members: Array.from({ length: shape.groupSize }, (_, j) => (k * shape.groupSize + j) % w.users.length) });
  }
  const ids = await target.createConversations(groups.map((g) => g.members.map((m) => perWorker[g.worker]!.users[m]!)));
  groups.forEach((g, c) => {
    const w = perWorker[g.worker]!;
    w.conversations.push({ id: ids[c]!, members: g.members });
    for (const m of g.members) w.users[m]!.conversations.push(ids[c]!);
  });
  // Backlog: sender/reader pairs of their own, the senders left out of the connect phase.
  const pairs: SwarmUser[][] = [];
  for (let b = 0; b < (shape.backlog?.senders ?? 0); b++) {
    const [s, r] = [shape.clients + 2 * b, shape.clients + 2 * b + 1];
    pairs.push([{ id: all[s]!.id, token: tokens[s]!, conversations: [] }, { id: all[r]!.id, token: tokens[r]!, conversations: [] }]);
  }
  const pairIds = pairs.length ? await target.createConversations(pairs) : [];
  pairs.forEach(([sender, reader], b) => {
    const w = perWorker[b % workerCount]!;
    sender!.conversations.push(pairIds[b]!);
    reader!.conversations.push(pairIds[b]!);
    w.users.push(sender!, reader!);
    w.backlog.push([w.users.length - 2, pairIds[b]!, w.users.length - 1]);
  });
  return { perWorker };
}

/** The open-loop schedule of one offered load, cut into each worker's part. */
function plans(pop: Population, rate: number, durationMs: number): PlanEntry[][] {
  const out: PlanEntry[][] = pop.perWorker.map(() => []);
  const total = Math.max(2, Math.round((rate * durationMs) / 1000));
  const convs = pop.perWorker.flatMap((w, wi) => w.conversations.map((c) => ({ wi, c })));
  for (let k = 0; k < total; k++) {
    const { wi, c } = convs[k % convs.length]!;
    const turn = Math.floor(k / convs.length);
    const sender = c.members[turn % c.members.length]!;
    const reader = c.members[(turn + 1) % c.members.length]!;
    out[wi]!.push([(k * 1000) / rate, sender, c.id, reader]);
  }
  return out;
}

async function offer(workers: Worker[], pop: Population, target: Target, rate: number, durationMs: number): Promise<LoadFigure> {
  const parts = plans(pop, rate, durationMs);
  const cpu0 = cpuMs(target.pid);
  const replies = await Promise.all(workers.map((w, i) => w.ask({ op: 'load', plan: parts[i]!, delayMs: 50, drainMs: 30_000 + durationMs }, 'loaded')));
  const cpu = cpuMs(target.pid) - cpu0;
  const latencies = replies.flatMap((r) => r.latencies);
  const count = parts.reduce((s, p) => s + p.length, 0);
  const visible = distribution(latencies);
  return {
    offered: rate,
    count,
    visible,
    missing: replies.reduce((s, r) => s + r.missing, 0),
    completedPerSecond: latencies.length / ((durationMs + visible.max) / 1000),
    serverCpuMsPerMessage: cpu / count,
    generatorLagMs: Math.max(...replies.map((r) => r.lagMs)),
  };
}

/** Every figure of one shape against one target; the target is started and stopped here. */
export async function swarm(target: Target, shape: Shape, workerCount: number, log: (line: string) => void): Promise<SwarmResult> {
  const t0 = performance.now();
  const pop = await populate(target, shape, workerCount);
  const { workers, stop } = startWorkers(workerCount);
  try {
    await Promise.all(workers.map((w, i) => w.ask({ op: 'setup', kind: target.kind, url: target.wsUrl, users: pop.perWorker[i]!.users }, 'ready')));
    const setupMs = performance.now() - t0;
    const idleRssBytes = rssBytes(target.pid);
    const memory: SwarmResult['memory'] = [];
    let connectMs = 0;
    const failures: string[] = [];
    const backlogOnes = pop.perWorker.map((w) => new Set(w.backlog.flatMap(([s, , r]) => [s, r])));
    const regular = pop.perWorker.map((w, wi) => w.users.map((_, i) => i).filter((i) => !backlogOnes[wi]!.has(i)));
    for (let step = 1; step <= shape.connectSteps; step++) {
      const slice = (list: number[]) => list.slice(Math.floor((list.length * (step - 1)) / shape.connectSteps), Math.floor((list.length * step) / shape.connectSteps));
      const started = performance.now();
      const replies = await Promise.all(workers.map((w, i) => w.ask({ op: 'connect', indices: slice(regular[i]!), parallel: 64 }, 'connected')));
      connectMs += performance.now() - started;
      failures.push(...replies.flatMap((r) => r.failed));
      const connections = regular.reduce((s, list) => s + Math.floor((list.length * step) / shape.connectSteps), 0);
      memory.push({ connections, rssBytes: rssBytes(target.pid) });
      log(`  ${target.kind}: ${connections} connected (${(rssBytes(target.pid) / 1024 / 1024).toFixed(0)} MB server RSS)`);
    }
    if (failures.length) throw new Error(`broken: ${failures.length} clients could not connect, e.g. ${failures[0]}`);
    const loads: LoadFigure[] = [];
    for (const rate of shape.rates) {
      log(`  ${target.kind}: ${rate} msgs/s offered`);
      const stopProfile = await target.profiler?.start(`${target.kind}-${shape.clients}-clients-${shape.conversations}x${shape.groupSize}-${rate}-per-s`);
      const figure = await offer(workers, pop, target, rate, shape.durationMs);
      await stopProfile?.();
      loads.push(figure);
      // Behind already: a higher rate would only measure the queue this one left.
      if (figure.missing > 0) break;
    }
    const result: SwarmResult = { target: target.kind, shape, setupMs, connect: { ms: connectMs, failed: failures.length, firstFailure: failures[0] }, memory, idleRssBytes, loads };
    if (shape.churn) result.churn = await churn(workers, pop, target, shape, regular, log);
    if (shape.backlog) result.backlog = await backlog(workers, pop, target, shape, log);
    return result;
  } finally {
    await stop();
  }
}

/** Idle clients (in no conversation) disconnect and reconnect all at once while a load runs. */
async function churn(workers: Worker[], pop: Population, target: Target, shape: Shape, regular: number[][], log: (line: string) => void): Promise<NonNullable<SwarmResult['churn']>> {
  const { clients, rate } = shape.churn!;
  const idle = pop.perWorker.map((w, wi) => regular[wi]!.filter((i) => w.users[i]!.conversations.length === 0).slice(0, Math.ceil(clients / workers.length)));
  const count = idle.reduce((s, l) => s + l.length, 0);
  log(`  ${target.kind}: presence churn, ${count} clients drop and reconnect at once under ${rate} msgs/s`);
  const cpu0 = cpuMs(target.pid);
  const load = offer(workers, pop, target, rate, Math.max(shape.durationMs, 3000));
  const started = performance.now();
  await Promise.all(workers.map((w, i) => w.ask({ op: 'disconnect', indices: idle[i]! }, 'disconnected')));
  const replies = await Promise.all(workers.map((w, i) => w.ask({ op: 'connect', indices: idle[i]!, parallel: idle[i]!.length || 1, fresh: true, retries: 5 }, 'connected')));
  const reconnectMs = performance.now() - started;
  const failed = replies.flatMap((r) => r.failed);
  if (failed.length) throw new Error(`broken: ${failed.length} clients could not reconnect in the storm, e.g. ${failed[0]}`);
  const figure = await load;
  return { clients: count, reconnectMs, retried: replies.reduce((s, r) => s + r.retried, 0), serverCpuMs: cpuMs(target.pid) - cpu0, load: figure };
}

async function backlog(workers: Worker[], pop: Population, target: Target, shape: Shape, log: (line: string) => void): Promise<NonNullable<SwarmResult['backlog']>> {
  const { senders, perSender } = shape.backlog!;
  log(`  ${target.kind}: offline backlog, ${senders} users × ${perSender} messages reconnecting at once`);
  // Readers first: they are online and waiting.
  await Promise.all(workers.map((w, i) => w.ask({ op: 'connect', indices: pop.perWorker[i]!.backlog.map(([, , r]) => r), parallel: 64 }, 'connected')));
  const cpu0 = cpuMs(target.pid);
  const started = performance.now();
  const replies = await Promise.all(workers.map((w, i) => {
    const b = pop.perWorker[i]!.backlog;
    const plan = b.flatMap(([s, c, r]) => Array.from({ length: perSender }, () => [s, c, r] as [number, string, number]));
    return w.ask({ op: 'backlog', senders: b.map(([s]) => s), plan, drainMs: 60_000 }, 'loaded');
  }));
  const allVisibleMs = performance.now() - started;
  const failed = replies.flatMap((r) => r.failed ?? []);
  if (failed.length) throw new Error(`broken: backlog senders could not connect, e.g. ${failed[0]}`);
  const latencies = replies.flatMap((r) => r.latencies);
  return { messages: senders * perSender, allVisibleMs, visible: distribution(latencies), missing: replies.reduce((s, r) => s + r.missing, 0), serverCpuMs: cpuMs(target.pid) - cpu0 };
}

/** A MySQL database of the bench's own, dropped at the end of the run. */
export async function scratchDatabase(baseUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const conn = await createConnection({ uri: baseUrl });
  await conn.query(`CREATE DATABASE \`${name}\``);
  await conn.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const drop = onCleanup(`drop ${name}`, async () => {
    const c = await createConnection({ uri: baseUrl });
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.end();
  });
  return { url: url.toString(), drop };
}
