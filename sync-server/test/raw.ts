import { WebSocket } from 'ws';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';

/**
 * A hostile client on the wire: a plain `ws` socket that speaks Hocuspocus
 * frames by hand, so a test can send what no provider would (floods, foreign
 * client ids, huge states) and stop reading (`pause()`) like a slow reader.
 */
export interface RawClient {
  ws: WebSocket;
  /** Frames received, decoded to their type. */
  received: Array<{ document: string; type: number; bytes: number; reason?: string }>;
  closed: Promise<{ code: number; reason: string }>;
  auth(document: string, token: string): void;
  /** Resolves when the server answered the document's authentication; rejects on a refusal. */
  authenticated(document: string, timeoutMs?: number): Promise<void>;
  syncStep1(document: string): void;
  update(document: string, update: Uint8Array): void;
  awareness(document: string, clientId: number, state: unknown, clock?: number): void;
  /** Stops reading from the socket: what the server sends piles up on its side. */
  pause(): void;
  close(): void;
  /** Resolves with the reason the server gave for closing the document's connection. */
  documentClosed(document: string, timeoutMs?: number): Promise<string>;
}

export const MESSAGE = { sync: 0, awareness: 1, auth: 2, close: 7 } as const;

export function rawClient(wsUrl: string): Promise<RawClient> {
  const ws = new WebSocket(wsUrl);
  ws.on('error', () => undefined);
  const received: RawClient['received'] = [];
  const waiters: Array<() => void> = [];
  const refusals = new Map<string, string>();
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const document = decoding.readVarString(decoder).split('\u0000')[0]!;
    const type = decoding.readVarUint(decoder);
    let reason: string | undefined;
    if (type === MESSAGE.auth && decoding.readVarUint(decoder) === 1) refusals.set(document, decoding.readVarString(decoder));
    // A document connection the server closed: the reason is the Parley code.
    if (type === MESSAGE.close) reason = decoding.readVarString(decoder);
    received.push({ document, type, bytes: data.byteLength, ...(reason === undefined ? {} : { reason }) });
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const frame = (document: string, write: (encoder: encoding.Encoder) => void) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, document);
    write(encoder);
    if (ws.readyState === WebSocket.OPEN) ws.send(encoding.toUint8Array(encoder));
  };
  const client: RawClient = {
    ws,
    received,
    closed,
    auth(document, token) {
      frame(document, (e) => {
        encoding.writeVarUint(e, MESSAGE.auth);
        encoding.writeVarUint(e, 0);
        encoding.writeVarString(e, token);
      });
    },
    async authenticated(document, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!received.some((m) => m.document === document && m.type === MESSAGE.auth)) {
        if (Date.now() > deadline) throw new Error(`no answer to the authentication of ${document}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      const refused = refusals.get(document);
      if (refused !== undefined) throw new Error(`refused: ${refused}`);
    },
    syncStep1(document) {
      frame(document, (e) => {
        encoding.writeVarUint(e, MESSAGE.sync);
        syncProtocol.writeSyncStep1(e, new Y.Doc());
      });
    },
    update(document, update) {
      frame(document, (e) => {
        encoding.writeVarUint(e, MESSAGE.sync);
        syncProtocol.writeUpdate(e, update);
      });
    },
    awareness(document, clientId, state, clock = 1) {
      const doc = new Y.Doc();
      const awareness = new Awareness(doc);
      awareness.states.set(clientId, state as Record<string, unknown>);
      awareness.meta.set(clientId, { clock, lastUpdated: Date.now() });
      const update = encodeAwarenessUpdate(awareness, [clientId]);
      awareness.destroy();
      frame(document, (e) => {
        encoding.writeVarUint(e, MESSAGE.awareness);
        encoding.writeVarUint8Array(e, update);
      });
    },
    async documentClosed(document, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const closing = received.find((m) => m.document === document && m.type === MESSAGE.close);
        if (closing) return closing.reason ?? '';
        if (Date.now() > deadline) throw new Error(`${document} was not closed`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    pause() {
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    },
    close() {
      ws.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

/** The resident memory of a process, in bytes (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** The highest resident memory of a process over `ms`, sampled every 100 ms. */
export async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    peak = Math.max(peak, await rssOf(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  return peak;
}

/** A Prometheus counter or gauge from `/metrics`, summed over the label sets that match. */
export async function metric(url: string, token: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}
