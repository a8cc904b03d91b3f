import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { conversationDocName, userParts, windowMessages, type AuthResponse, type CommandResult, type ConversationSummary } from '@parley/schema';
import type { Dialect } from '@parley/schema/db';
import { api, connect, register, synced } from '../sync-server/test/clients.ts';
import type { TestServer } from '../sync-server/test/harness.ts';
import { database, parleyInProcess } from './servers.ts';
import { seedHistory } from './seed.ts';
import { distribution, median, sleep, until, type Distribution } from './stats.ts';

/**
 * Open time and size of a conversation document by the size of its history.
 * The server runs inside the bench process here, so that the bench can see
 * whether a document is loaded (cold: read from the database and checked
 * against the index; warm: already in the server's memory) and seed the index
 * through the server's own store.
 */

export interface OpenSample {
  ms: number;
  bytes: number;
  messages: number;
}

export interface OpenFigures {
  history: number;
  /** The first open after a restart: for the seeded history this builds the window from the index (a new epoch). */
  first: OpenSample;
  cold: Distribution;
  warm: Distribution;
  bytes: number;
  windowMessages: number;
  /** Newest page of 50 through the REST API. */
  historyPage: Distribution;
  /** Samples where the server had not unloaded the document before a "cold" open. */
  notUnloaded: number;
}

export interface OpenResult {
  dialect: Dialect;
  sizes: OpenFigures[];
  seedMs: number;
  /** How the 1k history was written: send commands through the outbox. */
  prepareMs: number;
}

/** Connect a new socket, authenticate, and sync `conversation:<id>` into an empty Y.Doc. */
export async function openOnce(wsUrl: string, token: string, conversationId: string, keep = false) {
  const t0 = performance.now();
  const socket = new HocuspocusProviderWebsocket({ url: wsUrl, WebSocketPolyfill: WebSocket });
  const doc = new Y.Doc();
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: conversationDocName(conversationId), document: doc, token });
  provider.attach();
  await synced(provider, 60_000);
  const ms = performance.now() - t0;
  const sample: OpenSample = { ms, bytes: Y.encodeStateAsUpdate(doc).byteLength, messages: windowMessages(doc).length };
  const close = () => {
    provider.destroy();
    socket.destroy();
    doc.destroy();
  };
  if (!keep) close();
  return { sample, close };
}

export async function openBench(dialect: Dialect, options: { samples: number; large: number; medium: number }): Promise<OpenResult> {
  const { database: db, drop } = await database(dialect);
  let server = await parleyInProcess(db);
  const a = await register(server.url, 'opener');
  const b = await register(server.url, 'peer');
  const group = async (title: string) => {
    const { status, body } = await api<{ conversation: ConversationSummary }>(server.url, '/conversations', {
      token: a.token,
      body: { type: 'group', title, memberIds: [b.user.id] },
    });
    if (status !== 201) throw new Error(`broken: create group: ${status}`);
    return body.conversation.id;
  };
  const sizes: Array<{ id: string; history: number }> = [
    { id: await group('one message'), history: 1 },
    { id: await group('medium history'), history: options.medium },
    { id: await group('large history'), history: options.large },
  ];

  // 1 and 1k messages arrive the normal way, through the outbox.
  const prepared = performance.now();
  const sender = await connect(server.wsUrl, a);
  for (const { id, history } of sizes.slice(0, 2)) await sendAll(sender, id, history);
  sender.destroy();
  const prepareMs = performance.now() - prepared;

  // A restart: nothing loaded, no direct connection holding a document.
  await server.stop();
  server = await parleyInProcess(db);
  const seeded = await seedHistory(server.services.store.db, sizes[2]!.id, [a.user.id, b.user.id], options.large);

  const figures: OpenFigures[] = [];
  for (const { id, history } of sizes) figures.push(await measureOpen(server, a, id, history, options.samples));
  await server.stop();
  await drop();
  return { dialect, sizes: figures, seedMs: seeded.ms, prepareMs };
}

/** Sends `count` messages through the outbox, at most 100 outstanding, and waits for every result. */
async function sendAll(client: Awaited<ReturnType<typeof connect>>, conversationId: string, count: number) {
  const pending = new Set<string>();
  const refused: string[] = [];
  const { results } = userParts(client.user.doc);
  const observer = (event: Y.YArrayEvent<CommandResult>) => {
    for (const delta of event.changes.delta) {
      for (const r of (delta.insert ?? []) as CommandResult[]) {
        if (pending.delete(r.id) && r.status !== 'sent') refused.push(r.code);
      }
    }
  };
  results.observe(observer);
  for (let i = 0; i < count; i++) {
    pending.add(client.send(conversationId, `message ${i}`).id);
    if (pending.size >= 100) await until(() => pending.size < 50, `history of ${count} sent`, 60_000);
  }
  await until(() => pending.size === 0, `history of ${count} sent`, 60_000);
  results.unobserve(observer);
  if (refused.length) throw new Error(`broken: ${refused.length} history messages refused (${refused[0]})`);
}

async function measureOpen(server: TestServer, user: AuthResponse, conversationId: string, history: number, samples: number): Promise<OpenFigures> {
  const name = conversationDocName(conversationId);
  const documents = server.sync.server.hocuspocus.documents;
  let notUnloaded = 0;
  const unloaded = async () => {
    try {
      await until(() => !documents.has(name), 'unload', 10_000, 5);
    } catch {
      notUnloaded++;
    }
  };

  await unloaded();
  const { sample: first } = await openOnce(server.wsUrl, user.token, conversationId);
  if (first.messages < Math.min(history, server.services.config.windowSize)) {
    throw new Error(`broken: conversation with ${history} messages opened with ${first.messages} in its window`);
  }
  const cold: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < samples; i++) {
    await unloaded();
    const { sample } = await openOnce(server.wsUrl, user.token, conversationId);
    cold.push(sample.ms);
    sizes.push(sample.bytes);
  }
  const keeper = await openOnce(server.wsUrl, user.token, conversationId, true);
  const warm: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { sample } = await openOnce(server.wsUrl, user.token, conversationId);
    warm.push(sample.ms);
  }
  keeper.close();

  const pages: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const res = await api<{ items: unknown[] }>(server.url, `/conversations/${conversationId}/messages`, { token: user.token });
    pages.push(performance.now() - t0);
    if (res.status !== 200 || res.body.items.length < Math.min(50, history)) {
      throw new Error(`broken: history page of ${history}: ${res.status}, ${res.body.items?.length} items`);
    }
    await sleep(1);
  }
  return {
    history,
    first,
    cold: distribution(cold),
    warm: distribution(warm),
    bytes: median(sizes),
    windowMessages: first.messages,
    historyPage: distribution(pages),
    notUnloaded,
  };
}
