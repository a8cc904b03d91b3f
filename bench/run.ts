import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '@parley/schema/db';
import { callsBench, callsTable } from './calls.ts';
import { cleanupAll, installSignalHandlers } from './cleanup.ts';
import { closedLoop, openLoop, parleyRig, plainRig, type LoadResult, type ThroughputResult } from './load.ts';
import { mediaBench, mediaTable } from './media.ts';
import { memoryBench, memoryTable } from './memory.ts';
import { openBench, type OpenResult } from './open.ts';
import { machine, printTable, writeResults, type RunRecord, type Table } from './report.ts';
import { CHROMIUM } from '../client/test/e2e/browser.ts';
import { renderBenchmarks } from './benchmarks-doc.ts';
import { defaultMatrix, fullMatrix, quickMatrix, scaleBench, scaleTables, type ScaleResult } from './scale.ts';
import { sdkBench, type SdkResult } from './sdk.ts';
import { webBench } from './web.ts';
import { database, mysqlAvailable, parleyChild, plainChild } from './servers.ts';
import { bytes, ms, rate, ratio } from './stats.ts';

/**
 * `npm run bench`: every benchmark, each figure beside a baseline measured in
 * the same run on the same machine. Fails only when something is broken (a
 * message never arrives, a cache comes back empty); slow numbers are reported,
 * never judged. BENCH_QUICK=1 runs a short smoke version; BENCH_FULL=1 runs the whole
 * scale matrix (10,000 clients, groups of 500, …); scenario ids as arguments
 * (`npm run bench -- clients-10k group-500`) run only those scale scenarios.
 * docs/bench.md explains each figure.
 */

const quick = process.env.BENCH_QUICK === '1';
const full = process.env.BENCH_FULL === '1';
const chosen = process.argv.slice(2);
const scenarios = chosen.length
  ? chosen.map((id) => [...(quick ? quickMatrix : [...fullMatrix, ...defaultMatrix])].find((s) => s.id === id) ?? fail(`no scale scenario "${id}"`))
  : quick ? quickMatrix : full ? fullMatrix : defaultMatrix;
const plan = quick
  ? {
      rates: [[1, 3000], [100, 2000], [1000, 1000]] as Array<[number, number]>,
      lanes: 10,
      throughput: { senders: 8, window: 20, durationMs: 2000, warmupMs: 500 },
      open: { samples: 2, medium: 1000, large: 10_000 },
      sdk: { sends: 20, conversations: 50, perConversation: 200, samples: 1 },
      mediaMB: 256,
      calls: 2,
      memory: { connections: 50, conversations: 20 },
      web: { reloads: 2, history: 2000, scrollMs: 2000 },
    }
  : {
      rates: [[1, 15_000], [100, 10_000], [1000, 5000]] as Array<[number, number]>,
      lanes: 10,
      throughput: { senders: 8, window: 20, durationMs: 8000, warmupMs: 1000 },
      open: { samples: 9, medium: 1000, large: 1_000_000 },
      sdk: { sends: 100, conversations: 50, perConversation: 200, samples: 3 },
      mediaMB: 2048,
      calls: 5,
      memory: { connections: 500, conversations: 100 },
      web: { reloads: 5, history: 10_000, scrollMs: 8000 },
    };

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
let scale: ScaleResult[] = [];
const startedAt = new Date();
const t0 = performance.now();
const record: RunRecord = { startedAt: startedAt.toISOString(), quick, durationSeconds: 0, machine: machine(), tables: [], raw: {}, skipped: [] };
const log = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);

function add(table: Table) {
  record.tables.push(table);
  printTable(table);
}

async function main() {
  installSignalHandlers();
  const dialects: Dialect[] = ['sqlite'];
  if (await mysqlAvailable()) dialects.push('mysql');
  else record.skipped.push(`MySQL: nothing answers at TEST_MYSQL_URL (${redact(process.env.TEST_MYSQL_URL!)}); MySQL figures missing`);
  log(`bench${quick ? ' (quick)' : ''}${full ? ' (full matrix)' : ''} on ${dialects.join(' and ')}`);

  // Parley ÷ the classic Socket.IO + MySQL relay, by the swarm of protocol clients (MySQL only).
  if (dialects.includes('mysql')) {
    scale = await scaleBench(scenarios, quick ? 2 : 3, log);
    record.raw.scale = scale;
    for (const table of scaleTables(scale)) add(table);
  } else record.skipped.push('Parley ÷ relay: the relay and the swarm run on MySQL only');
  if (chosen.length) return;

  // Floor: plain Hocuspocus at the same offered loads.
  const plain = await plainChild();
  const plainLanes = await plainRig(plain.wsUrl, plan.lanes);
  await openLoop(plainLanes, 50, 1000);
  const floor: LoadResult[] = [];
  for (const [r, d] of plan.rates) {
    log(`plain Hocuspocus, ${r} msg/s`);
    floor.push(await openLoop(plainLanes, r, d));
  }
  plainLanes.close();
  await plain.stop();
  record.raw.floor = floor;

  const ladders: Partial<Record<Dialect, LoadResult[]>> = {};
  const throughput: Partial<Record<Dialect, ThroughputResult[]>> = {};
  for (const dialect of dialects) {
    const { database: db, drop } = await database(dialect);
    const server = await parleyChild(db);
    const rig = await parleyRig(server.url, server.wsUrl, plan.lanes);
    await openLoop(rig, 50, 1000);
    const ladder: LoadResult[] = [];
    for (const [r, d] of plan.rates) {
      log(`${dialect}: ${r} msg/s offered`);
      ladder.push(await openLoop(rig, r, d));
    }
    ladders[dialect] = ladder;
    const { senders, window, durationMs, warmupMs } = plan.throughput;
    log(`${dialect}: throughput, 1 and ${senders} senders`);
    throughput[dialect] = [
      await closedLoop(rig, 1, window, durationMs, warmupMs),
      await closedLoop(rig, senders, window, durationMs, warmupMs),
    ];
    rig.close();
    await server.stop();
    await drop();
  }
  record.raw.latency = ladders;
  record.raw.throughput = throughput;
  add(latencyTable(floor, ladders));
  add(throughputTable(throughput));

  const opens: OpenResult[] = [];
  for (const dialect of dialects) {
    log(`${dialect}: open time with 1, ${plan.open.medium} and ${plan.open.large} messages of history`);
    opens.push(await openBench(dialect, plan.open));
  }
  record.raw.open = opens;
  add(openTable(opens));

  log(`memory: ${plan.memory.connections} idle connections and ${plan.memory.conversations} loaded conversations on SQLite`);
  const memory = [{ dialect: 'sqlite' as Dialect, figures: await memoryBench('sqlite', plan.memory) }];
  record.raw.memory = memory;
  add(memoryTable(memory));

  log(`SDK: latency, cold start with ${plan.sdk.conversations} cached conversations, memory`);
  const sdk = await sdkBench(plan.sdk);
  record.raw.sdk = sdk;
  add(sdkTable(sdk));

  log(`media: one ${plan.mediaMB} MB file up and down, RSS sampled`);
  const media = await mediaBench({ sizeMB: plan.mediaMB });
  record.raw.media = media;
  add(mediaTable(media));

  log(`calls: ${plan.calls} video calls through the web app in Chromium`);
  const calls = await callsBench({ calls: plan.calls });
  record.raw.calls = calls;
  if (calls) add(callsTable(calls));
  else record.skipped.push(`calls: no Chromium at ${CHROMIUM}; calls figures missing`);

  if (fs.existsSync(CHROMIUM)) {
    log(`web app: initial JS, offline reload with 50 cached conversations, scrolling ${plan.web.history} messages, feature weights`);
    const web = await webBench(plan.web);
    record.raw.web = web.raw;
    for (const table of web.tables) add(table);
  } else record.skipped.push(`web app: no Chromium at ${CHROMIUM}`);
}

function latencyTable(floor: LoadResult[], ladders: Partial<Record<Dialect, LoadResult[]>>): Table {
  const rows: string[][] = floor.map((f) => ['plain Hocuspocus', `${f.offered}/s`, String(f.count), '–', '–', ms(f.visible.p50), ms(f.visible.p99), rate(f.completedPerSecond), '', '']);
  const behind: string[] = [];
  for (const [dialect, ladder] of Object.entries(ladders)) {
    ladder.forEach((l, i) => {
      const f = floor[i]!;
      rows.push([dialect, `${l.offered}/s`, String(l.count), ms(l.sent!.p50), ms(l.sent!.p99), ms(l.visible.p50), ms(l.visible.p99),
        rate(l.completedPerSecond), ratio(l.sent!.p50, f.visible.p50), ratio(l.visible.p50, f.visible.p50)]);
      if (!l.keptUp) behind.push(`${dialect} at ${l.offered}/s offered sustained ${rate(l.completedPerSecond)}; latencies include the queue that built up`);
      if (l.passedOver) behind.push(`${dialect} at ${l.offered}/s: ${l.passedOver} messages reached their reader inside one merged broadcast that already trimmed them from the window (they are history, not window); counted visible when the reader's copy passed their seq`);
    });
  }
  return {
    id: 'latency',
    title: 'Command latency, open loop (10 sender→reader pairs; server in its own process)',
    columns: ['server', 'offered', 'n', '→ sent p50', 'p99', '→ visible p50', 'p99', 'completed', 'sent ÷ floor', 'visible ÷ floor'],
    rows,
    notes: [
      'Latency counts from the moment a message was due, so a server that falls behind shows as queueing, not as a slower sender.',
      'Floor: a raw update from one provider to another through plain Hocuspocus (no auth, no persistence) at the same offered load; ratios are p50 ÷ floor p50 at that load.',
      ...behind,
      `Bench scheduler lag (worst): ${[...floor, ...Object.values(ladders).flat()].map((l) => ms(l.schedulerLagMs)).join(', ')}.`,
    ],
  };
}

function throughputTable(throughput: Partial<Record<Dialect, ThroughputResult[]>>): Table {
  const rows: string[][] = [];
  const sqliteMulti = throughput.sqlite?.[1]?.perSecond ?? NaN;
  for (const [dialect, [one, many]] of Object.entries(throughput) as Array<[Dialect, ThroughputResult[]]>) {
    for (const t of [one!, many!]) {
      rows.push([dialect, String(t.senders), rate(t.perSecond), ms(t.sent.p50), ms(t.sent.p99), ratio(t.perSecond, one!.perSecond), ratio(t.perSecond, t === many ? sqliteMulti : throughput.sqlite?.[0]?.perSecond ?? NaN)]);
    }
  }
  return {
    id: 'throughput',
    title: `Sustained throughput, closed loop (${plan.throughput.window} commands outstanding per sender, ${plan.throughput.durationMs / 1000} s after ${plan.throughput.warmupMs / 1000} s warm-up)`,
    columns: ['database', 'senders', 'sent results/s', '→ sent p50', 'p99', '÷ 1 sender', '÷ SQLite'],
    rows,
    notes: ['Every command is a text send into a direct conversation whose reader is connected; the run waits until every message reached its reader.'],
  };
}

function openTable(opens: OpenResult[]): Table {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const o of opens) {
    const base = o.sizes[0]!;
    for (const s of o.sizes) {
      rows.push([o.dialect, s.history.toLocaleString('en'), ms(s.first.ms), ms(s.cold.p50), ms(s.warm.p50), ratio(s.cold.p50, base.cold.p50), ratio(s.warm.p50, base.warm.p50),
        bytes(s.bytes), ratio(s.bytes, base.bytes), String(s.windowMessages), ms(s.historyPage.p50)]);
      if (s.notUnloaded) notes.push(`${o.dialect}, ${s.history}: ${s.notUnloaded} "cold" samples found the document still loaded`);
    }
    notes.push(`${o.dialect}: ${o.sizes[2]!.history.toLocaleString('en')} history rows seeded through the store in ${ms(o.seedMs)}; the ${o.sizes[1]!.history.toLocaleString('en')} were sent as commands (${ms(o.prepareMs)}).`);
  }
  return {
    id: 'open',
    title: 'Opening a conversation: new socket + auth + sync of conversation:<id> (server in-process)',
    columns: ['database', 'history', 'first open', 'cold p50', 'warm p50', 'cold ÷ 1-msg', 'warm ÷ 1-msg', 'encoded doc', 'size ÷ 1-msg', 'window', 'history page p50'],
    rows,
    notes: [
      'first open: the first after a restart; for the seeded history this builds the window from the index under a new epoch.',
      'cold: the server had unloaded the document (read from snapshot + update log, checked against the index); warm: another client holds it open.',
      'history page: GET /api/conversations/:id/messages (newest 50).',
      'Open time is also "newest 50 visible": the synced copy holds the window (the newest 200). Target: the largest history opens within ×2 of the 1-message one (cold ÷ 1-msg).',
      ...notes,
    ],
  };
}

function sdkTable(s: SdkResult): Table {
  const c = s.coldStart;
  const m = s.memory;
  const l = s.latency;
  return {
    id: 'sdk',
    title: 'Client SDK (server in its own process, SQLite)',
    columns: ['figure', 'SDK', 'baseline', 'ratio', 'baseline is'],
    rows: [
      ['send() → messageSent p50', ms(l.sdkSent.p50), ms(l.providerSent.p50), ratio(l.sdkSent.p50, l.providerSent.p50), 'bare provider: outbox push → result'],
      ['send() → messageSent p99', ms(l.sdkSent.p99), ms(l.providerSent.p99), ratio(l.sdkSent.p99, l.providerSent.p99), 'same'],
      ['send() → messageReceived (other client) p50', ms(l.sdkReceived.p50), ms(l.providerVisible.p50), ratio(l.sdkReceived.p50, l.providerVisible.p50), 'bare provider: push → in reader\'s document'],
      ['send() → messageReceived p99', ms(l.sdkReceived.p99), ms(l.providerVisible.p99), ratio(l.sdkReceived.p99, l.providerVisible.p99), 'same'],
      [`cold start offline: list of ${c.conversations} readable`, ms(c.listMs), ms(c.baselineListMs), ratio(c.listMs, c.baselineListMs), '1 cached conversation'],
      [`cold start offline: all ${c.conversations} opened from cache`, ms(c.openAllMs), ms(c.baselineOpenAllMs), ratio(c.openAllMs, c.baselineOpenAllMs), '1 cached conversation'],
      ['start online, cached: user document synced', ms(c.onlineSyncedMs), ms(c.emptyCacheSyncedMs), ratio(c.onlineSyncedMs, c.emptyCacheSyncedMs), 'same, empty cache (first start)'],
      [`start online, cached: all ${c.conversations} open and synced`, ms(c.onlineAllSyncedMs), ms(c.emptyCacheAllSyncedMs), ratio(c.onlineAllSyncedMs, c.emptyCacheAllSyncedMs), 'same, empty cache (first start)'],
      ['heap per open conversation', bytes(m.sdkBytesPerConversation), bytes(m.providerBytesPerConversation), ratio(m.sdkBytesPerConversation, m.providerBytesPerConversation), 'bare provider + Y.Doc'],
    ],
    notes: [
      `${l.sdkSent.n} sends one at a time (5 warm-up sends not counted); the reader has the conversation open.`,
      `Cold start: fake-indexeddb in Node (in-memory, pure JS), y-indexeddb on top as in a browser; each conversation holds ${c.perConversation} messages (a full window); no network for the offline figures.`,
      `Memory: ${m.conversations} conversations × ${m.perConversation} messages (encoded document ${bytes(m.encodedBytes)} each); heap delta after GC${m.gcExposed ? '' : ' (global.gc not exposed: run with node --expose-gc; figures are noisy)'}; SDK storage is a no-op adapter so that stored copies are not counted.`,
    ],
  };
}

function fail(why: string): never {
  throw new Error(why);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'unparseable';
  }
}

let failed: unknown = null;
try {
  await main();
} catch (error) {
  failed = error;
  console.error('\nbench failed:', error);
  record.skipped.push(`run stopped: ${(error as Error)?.message ?? String(error)}`);
} finally {
  await cleanupAll();
}
record.durationSeconds = (performance.now() - t0) / 1000;
record.machine.loadAverageAtEnd = Number(os.loadavg()[0]!.toFixed(2));
const written = writeResults(resultsDir, record);
// The docs keep the default and full runs' figures; a smoke run or a chosen scenario does not replace them.
if (!quick && !chosen.length && !failed) written.push(...renderBenchmarks(record, scale, path.join(benchDir, '../docs/benchmarks.md')));
for (const file of written) console.log(`wrote ${path.relative(process.cwd(), file)}`);
console.log(`bench ${failed ? 'FAILED' : 'done'} in ${record.durationSeconds.toFixed(0)} s`);
process.exit(failed ? 1 : 0);
