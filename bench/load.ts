import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { conversationParts, userParts, windowMessages, type CommandResult, type MessageEntry } from '@parley/schema';
import { connect, directConversation, register, synced, type SyncClient } from '../sync-server/test/clients.ts';
import { distribution, sleep, until, type Distribution } from './stats.ts';

/**
 * Load on the sync path. A rig is a set of lanes (one sender and one reader
 * each); the drivers below offer messages to the lanes open-loop at a fixed
 * rate or closed-loop with a window of outstanding commands, and time each one
 * from the moment it was due to (a) its `sent` result at the sender (Parley
 * only) and (b) its arrival in the reader's copy of the document.
 */

export interface Lane {
  /** Sends one message; returns the key the recorder will see it by. */
  send(text: string): string;
}

export interface Rig {
  lanes: Lane[];
  /** Parley answers every command with a result; plain Hocuspocus has no such thing. */
  acknowledges: boolean;
  use(recorder: Recorder): void;
  /** What the readers' copies look like, for the message of a failure. */
  diagnose(): string;
  close(): void;
}

export class Recorder {
  readonly due = new Map<string, number>();
  readonly acked = new Map<string, number>();
  readonly seen = new Map<string, number>();
  readonly failures: string[] = [];
  onAck: ((key: string) => void) | null = null;

  ack(key: string) {
    if (!this.due.has(key) || this.acked.has(key)) return;
    this.acked.set(key, performance.now());
    this.onAck?.(key);
  }

  /** Messages that reached the reader already trimmed out of its window (see parleyRig). */
  passedOver = 0;

  see(key: string, at = performance.now()) {
    if (this.due.has(key) && !this.seen.has(key)) this.seen.set(key, at);
  }

  fail(key: string, why: string) {
    if (this.due.has(key)) this.failures.push(`${key}: ${why}`);
  }
}

/** Parley: each lane is a sender's outbox and a reader with the direct conversation open. */
export async function parleyRig(url: string, wsUrl: string, lanes: number): Promise<Rig> {
  let recorder = new Recorder();
  const clients: SyncClient[] = [];
  const readers: Y.Doc[] = [];
  const result: Lane[] = [];
  for (let i = 0; i < lanes; i++) {
    const a = await register(url, 'sender');
    const b = await register(url, 'reader');
    const conversationId = await directConversation(url, a, b);
    const sender = await connect(wsUrl, a);
    const reader = await connect(wsUrl, b);
    clients.push(sender, reader);
    const { doc } = await reader.open(conversationId);
    readers.push(doc);
    const commandKeys = new Map<string, string>();
    // A burst can reach the reader as one merged update in which a message was
    // inserted and already trimmed from the window; it never shows as an insert.
    // Such a message counts as visible once the reader's copy passed its seq.
    const progress: Array<[at: number, seq: number]> = [];
    const waiting = new Map<number, string>();
    const newest = () => progress.at(-1)?.[1] ?? 0;
    const passed = (seq: number) => progress.find(([, s]) => s >= seq)![0];
    userParts(sender.user.doc).results.observe((event) => {
      for (const delta of event.changes.delta) {
        for (const r of (delta.insert ?? []) as CommandResult[]) {
          const key = commandKeys.get(r.id);
          if (!key) continue;
          commandKeys.delete(r.id);
          if (r.status !== 'sent') {
            recorder.fail(key, `${r.code} ${r.message}`);
            continue;
          }
          recorder.ack(key);
          if (recorder.seen.has(key)) continue;
          if (newest() >= r.seq) {
            recorder.passedOver++;
            recorder.see(key, passed(r.seq));
          } else waiting.set(r.seq, key);
        }
      }
    });
    conversationParts(doc).messages.observe((event) => {
      const now = performance.now();
      let top = newest();
      for (const delta of event.changes.delta) {
        for (const m of (delta.insert ?? []) as MessageEntry[]) {
          recorder.see(m.id, now);
          waiting.delete(m.seq);
          top = Math.max(top, m.seq);
        }
      }
      if (top <= newest()) return;
      progress.push([now, top]);
      for (const [seq, key] of waiting) {
        if (seq > top) continue;
        waiting.delete(seq);
        if (!recorder.seen.has(key)) recorder.passedOver++;
        recorder.see(key, now);
      }
    });
    result.push({
      send(text) {
        const { id, messageId } = sender.send(conversationId, text);
        commandKeys.set(id, messageId);
        return messageId;
      },
    });
  }
  return {
    lanes: result,
    acknowledges: true,
    use: (r) => (recorder = r),
    diagnose: () => readers.map((doc, i) => describeCopy(`reader ${i}`, doc)).join('; '),
    close: () => clients.forEach((c) => c.destroy()),
  };
}

/** Plain Hocuspocus: each lane is a writer and a reader of one shared document. */
export async function plainRig(wsUrl: string, lanes: number): Promise<Rig> {
  let recorder = new Recorder();
  const closers: Array<() => void> = [];
  const open = async (name: string) => {
    const socket = new HocuspocusProviderWebsocket({ url: wsUrl, WebSocketPolyfill: WebSocket });
    const doc = new Y.Doc();
    const provider = new HocuspocusProvider({ websocketProvider: socket, name, document: doc, token: 'none' });
    provider.attach();
    await synced(provider);
    closers.push(() => {
      provider.destroy();
      socket.destroy();
    });
    return doc.getArray<{ id: string; text: string }>('items');
  };
  const result: Lane[] = [];
  for (let i = 0; i < lanes; i++) {
    const name = `bench-${randomUUID()}`;
    const writer = await open(name);
    const reader = await open(name);
    reader.observe((event) => {
      for (const delta of event.changes.delta) for (const item of (delta.insert ?? []) as Array<{ id: string }>) recorder.see(item.id);
    });
    result.push({
      send(text) {
        const id = randomUUID();
        writer.push([{ id, text }]);
        return id;
      },
    });
  }
  return { lanes: result, acknowledges: false, use: (r) => (recorder = r), diagnose: () => '', close: () => closers.forEach((c) => c()) };
}

export interface LoadResult {
  offered: number;
  count: number;
  sent: Distribution | null;
  visible: Distribution;
  /** Completions per second between the first and the last one: what the server sustained. */
  completedPerSecond: number;
  /** How late the bench's own scheduler issued a send, at worst (client-side lag). */
  schedulerLagMs: number;
  keptUp: boolean;
  /** Messages counted visible because the reader's copy passed their seq (merged insert + trim). */
  passedOver: number;
}

/**
 * Open loop: message i is due at start + i/rate whatever happened to earlier
 * ones, spread over the lanes round-robin; latency counts from the due time, so
 * a server that falls behind shows it in the numbers instead of slowing the sender.
 */
export async function openLoop(rig: Rig, rate: number, durationMs: number): Promise<LoadResult> {
  const recorder = new Recorder();
  rig.use(recorder);
  const total = Math.max(2, Math.round((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  const start = performance.now() + 5;
  let i = 0;
  let lag = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      const due = start + i * interval;
      lag = Math.max(lag, now - due);
      const key = rig.lanes[i % rig.lanes.length]!.send(`bench message ${i} at ${rate}/s`);
      recorder.due.set(key, due);
      i++;
    }
    if (i < total) await sleep(Math.max(0, Math.min(50, start + i * interval - performance.now() - 0.5)));
  }
  await complete(rig, recorder, total, 60_000 + total * 20, `${total} messages offered at ${rate}/s`);
  const sent = rig.acknowledges ? latencies(recorder.due, recorder.acked) : null;
  const visible = latencies(recorder.due, recorder.seen);
  const ends = [...recorder.seen.values(), ...recorder.acked.values()];
  const firstDone = Math.min(...recorder.seen.values());
  const lastDone = Math.max(...ends);
  const completedPerSecond = (total - 1) / ((lastDone - firstDone) / 1000);
  const keptUp = completedPerSecond >= rate * 0.9 && visible.p99 < 1000;
  return { offered: rate, count: total, sent, visible, completedPerSecond, schedulerLagMs: lag, keptUp, passedOver: recorder.passedOver };
}

export interface ThroughputResult {
  senders: number;
  window: number;
  /** Results per second over the measured interval (after a warm-up). */
  perSecond: number;
  completed: number;
  sent: Distribution;
}

/**
 * Closed loop: each of `senders` lanes keeps `window` commands outstanding and
 * sends the next as soon as one is answered. Results are counted after a warm-up.
 */
export async function closedLoop(rig: Rig, senders: number, window: number, durationMs: number, warmupMs: number): Promise<ThroughputResult> {
  if (!rig.acknowledges) throw new Error('closed loop needs acknowledgements');
  const recorder = new Recorder();
  rig.use(recorder);
  const laneOf = new Map<string, number>();
  const lanes = rig.lanes.slice(0, senders);
  if (lanes.length < senders) throw new Error(`rig has ${rig.lanes.length} lanes, ${senders} wanted`);
  let running = true;
  let n = 0;
  const sendOn = (j: number) => {
    const key = lanes[j]!.send(`throughput ${n++}`);
    recorder.due.set(key, performance.now());
    laneOf.set(key, j);
  };
  recorder.onAck = (key) => {
    // Not from inside the Yjs observer that reported the result.
    if (running) setImmediate(() => running && sendOn(laneOf.get(key)!));
  };
  const start = performance.now();
  for (let j = 0; j < senders; j++) for (let k = 0; k < window; k++) sendOn(j);
  await sleep(warmupMs + durationMs);
  running = false;
  const from = start + warmupMs;
  const to = from + durationMs;
  const inWindow = [...recorder.acked.values()].filter((t) => t >= from && t < to).length;
  await complete(rig, recorder, recorder.due.size, 60_000, `throughput with ${senders} senders`);
  return { senders, window, perSecond: inWindow / (durationMs / 1000), completed: recorder.acked.size, sent: latencies(recorder.due, recorder.acked) };
}

/** Waits until every message was answered and seen; a message that never arrives is the one failure the bench reports. */
async function complete(rig: Rig, recorder: Recorder, total: number, timeoutMs: number, what: string) {
  const done = () => recorder.seen.size === total && (!rig.acknowledges || recorder.acked.size === total);
  try {
    await until(() => done() || recorder.failures.length > 0, what, timeoutMs, 10);
  } catch {
    throw new Error(`broken: ${what}: ${recorder.acked.size} answered, ${recorder.seen.size} seen of ${total}. ${rig.diagnose()}`);
  }
  if (recorder.failures.length) throw new Error(`broken: ${what}: refused: ${recorder.failures.slice(0, 3).join('; ')}`);
}

/** Window size, newest seq, and whether updates wait for a missing dependency (Yjs pending structs). */
function describeCopy(name: string, doc: Y.Doc): string {
  const window = windowMessages(doc);
  const pending = doc.store.pendingStructs ? ` pending structs, missing ${JSON.stringify([...doc.store.pendingStructs.missing])}` : '';
  return `${name}: ${window.length} in window, newest seq ${window.at(-1)?.seq ?? '–'}${pending}`;
}

function latencies(due: Map<string, number>, done: Map<string, number>): Distribution {
  return distribution([...done].map(([key, t]) => t - due.get(key)!));
}

/** One message at a time on the first lane, the next after both answers: latency without load. */
export async function sequential(rig: Rig, count: number, gapMs: number): Promise<{ sent: Distribution | null; visible: Distribution }> {
  const recorder = new Recorder();
  rig.use(recorder);
  const lane = rig.lanes[0]!;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const key = lane.send(`one at a time ${i}`);
    recorder.due.set(key, t0);
    await until(() => recorder.failures.length > 0 || (recorder.seen.has(key) && (!rig.acknowledges || recorder.acked.has(key))), `message ${i} of ${count}`, 15_000, 1);
    if (recorder.failures.length) throw new Error(`broken: refused: ${recorder.failures[0]}`);
    await sleep(gapMs);
  }
  return { sent: rig.acknowledges ? latencies(recorder.due, recorder.acked) : null, visible: latencies(recorder.due, recorder.seen) };
}
