// IndexedDB for Node: the cold start reads the cache through y-indexeddb as a browser would, from fake-indexeddb's in-memory store.
import 'fake-indexeddb/auto';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { conversationDocName, type AuthResponse, type ConversationSummary } from '@parley/schema';
import {
  ParleyClient, indexedDbStorage, uuidv7,
  type ClientStorage, type ConversationHandle, type ParleyClientConfig,
} from '../client/src/sdk/index.ts';
import { api, register, synced } from '../sync-server/test/clients.ts';
import { freePort } from '../sync-server/test/harness.ts';
import { parleyRig, sequential } from './load.ts';
import { database, parleyChild, parleyInProcess } from './servers.ts';
import { seedHistory } from './seed.ts';
import { distribution, median, sleep, until, type Distribution } from './stats.ts';

/**
 * The headless SDK against the real sync-server (SQLite, its own process):
 * send → messageSent / messageReceived, cold start from a cache of 50
 * conversations, and heap per open conversation.
 */

export interface SdkOptions {
  sends: number;
  conversations: number;
  /** Messages in each cached conversation: a full window. */
  perConversation: number;
  samples: number;
}

export interface SdkResult {
  latency: {
    sdkSent: Distribution;
    sdkReceived: Distribution;
    providerSent: Distribution;
    providerVisible: Distribution;
  };
  coldStart: {
    conversations: number;
    perConversation: number;
    /** new ParleyClient → connect() resolved, list of N conversations readable; no network. */
    listMs: number;
    /** … and every conversation opened from the cache with its messages. */
    openAllMs: number;
    baselineListMs: number;
    baselineOpenAllMs: number;
    /** Online with the cache: connect → user document synced, and → every conversation open and synced. */
    onlineSyncedMs: number;
    onlineAllSyncedMs: number;
    /** Online with an empty cache, the first start on a device (the prime run). */
    emptyCacheSyncedMs: number;
    emptyCacheAllSyncedMs: number;
  };
  memory: {
    conversations: number;
    perConversation: number;
    sdkBytesPerConversation: number;
    providerBytesPerConversation: number;
    encodedBytes: number;
    gcExposed: boolean;
  };
}

const sdkConfig = (serverUrl: string, auth: AuthResponse, storage: ParleyClientConfig['storage']): ParleyClientConfig => ({
  serverUrl,
  token: auth.token,
  userId: auth.user.id,
  WebSocket,
  storage,
  broadcastChannel: false,
  reconnect: { strategy: 'fixed', initialDelay: 250, maxDelay: 250, jitter: 0 },
  logLevel: 'silent',
});

export async function sdkBench(options: SdkOptions): Promise<SdkResult> {
  const { database: db, drop } = await database('sqlite');

  // Preparation in-process (accounts, conversations, a full window of history in each), then the real server on that database.
  const prep = await parleyInProcess(db);
  const owner = await register(prep.url, 'owner');
  const single = await register(prep.url, 'single');
  const peer = await register(prep.url, 'peer');
  const group = async (auth: AuthResponse, title: string) => {
    const { status, body } = await api<{ conversation: ConversationSummary }>(prep.url, '/conversations', {
      token: auth.token,
      body: { type: 'group', title, memberIds: [peer.user.id] },
    });
    if (status !== 201) throw new Error(`broken: create group: ${status}`);
    return body.conversation.id;
  };
  const owned: string[] = [];
  for (let i = 0; i < options.conversations; i++) owned.push(await group(owner, `group ${i}`));
  const lone = await group(single, 'the only one');
  for (const id of [...owned, lone]) await seedHistory(prep.services.store.db, id, [owner.user.id, peer.user.id], options.perConversation);
  await prep.stop();

  const server = await parleyChild(db);
  const url = server.url;
  try {
    const latency = await sdkLatency(url, server.wsUrl, options.sends);
    const coldStart = await coldStarts(url, owner, owned, single, lone, options);
    const memory = await memoryPerConversation(url, server.wsUrl, owner, owned, options.perConversation);
    return { latency, coldStart, memory };
  } finally {
    await server.stop();
    await drop();
  }
}

/** send() → messageSent at the sender, → messageReceived at the reader; one at a time. */
async function sdkLatency(url: string, wsUrl: string, sends: number) {
  const a = await ParleyClient.register(url, { username: `sdka${Date.now().toString(36)}`, password: 'correct horse battery' });
  const b = await ParleyClient.register(url, { username: `sdkb${Date.now().toString(36)}`, password: 'correct horse battery' });
  const sender = new ParleyClient(sdkConfig(url, a, 'memory'));
  const reader = new ParleyClient(sdkConfig(url, b, 'memory'));
  try {
    await Promise.all([sender.connect(), reader.connect()]);
    await Promise.all([sender.whenSynced(), reader.whenSynced()]);
    const { id: conversationId } = await sender.createDirectConversation(b.user.id);
    // The reader has the chat on screen, as a user waiting for an answer would.
    const handle = await reader.openConversation(conversationId);
    await until(() => handle.synced.synced, 'reader conversation synced');

    const started = new Map<string, number>();
    const sentAt = new Map<string, number>();
    const receivedAt = new Map<string, number>();
    const failed: string[] = [];
    sender.on('messageSent', (e) => started.has(e.messageId) && sentAt.set(e.messageId, performance.now()));
    sender.on('messageFailed', (e) => failed.push(e.error.code));
    reader.on('messageReceived', (m) => started.has(m.id) && !receivedAt.has(m.id) && receivedAt.set(m.id, performance.now()));
    const warmup = 5;
    for (let i = 0; i < sends + warmup; i++) {
      const messageId = uuidv7();
      started.set(messageId, performance.now());
      await sender.sendMessage({ conversationId, text: `sdk message ${i}`, messageId });
      await until(() => failed.length > 0 || (sentAt.has(messageId) && receivedAt.has(messageId)), `SDK message ${i} sent and received`, 15_000, 1);
      if (failed.length) throw new Error(`broken: SDK send refused: ${failed[0]}`);
      if (i < warmup) {
        started.delete(messageId);
        sentAt.delete(messageId);
        receivedAt.delete(messageId);
      }
      await sleep(5);
    }
    const since = (m: Map<string, number>) => [...m].map(([id, t]) => t - started.get(id)!);

    // The same loop with bare provider clients on the same server: what the SDK adds on top.
    const rig = await parleyRig(url, wsUrl, 1);
    await sequential(rig, warmup, 5);
    const plain = await sequential(rig, sends, 5);
    rig.close();
    return { sdkSent: distribution(since(sentAt)), sdkReceived: distribution(since(receivedAt)), providerSent: plain.sent!, providerVisible: plain.visible };
  } finally {
    await sender.destroy();
    await reader.destroy();
  }
}

async function coldStarts(url: string, owner: AuthResponse, owned: string[], single: AuthResponse, lone: string, options: SdkOptions): Promise<SdkResult['coldStart']> {
  const primeOwner = await prime(url, owner, owned, options.perConversation);
  await prime(url, single, [lone], options.perConversation);
  const deadUrl = `http://127.0.0.1:${await freePort()}`;

  const list: number[] = [];
  const openAll: number[] = [];
  const baseList: number[] = [];
  const baseOpen: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    const r = await startFromCache(deadUrl, owner, owned, options.perConversation);
    list.push(r.listMs);
    openAll.push(r.openAllMs);
    const s = await startFromCache(deadUrl, single, [lone], options.perConversation);
    baseList.push(s.listMs);
    baseOpen.push(s.openAllMs);
  }
  const online = await startOnline(url, owner, owned, options.perConversation, indexedDbStorage());
  return {
    conversations: owned.length,
    perConversation: options.perConversation,
    listMs: median(list),
    openAllMs: median(openAll),
    baselineListMs: median(baseList),
    baselineOpenAllMs: median(baseOpen),
    onlineSyncedMs: online.syncedMs,
    onlineAllSyncedMs: online.allSyncedMs,
    emptyCacheSyncedMs: primeOwner.syncedMs,
    emptyCacheAllSyncedMs: primeOwner.allSyncedMs,
  };
}

/** First start on a device: online, empty cache; opens every conversation so that the cache holds them. */
async function prime(url: string, auth: AuthResponse, ids: string[], perConversation: number) {
  return startOnline(url, auth, ids, perConversation, indexedDbStorage());
}

async function startOnline(url: string, auth: AuthResponse, ids: string[], perConversation: number, storage: ClientStorage) {
  const t0 = performance.now();
  const client = new ParleyClient(sdkConfig(url, auth, storage));
  try {
    await client.connect();
    await client.whenSynced();
    const syncedMs = performance.now() - t0;
    await client.refreshConversations();
    const handles = await Promise.all(ids.map((id) => client.openConversation(id)));
    await until(() => handles.every((h) => h.synced.synced && h.messages().length >= perConversation), `${ids.length} conversations synced`, 60_000);
    const allSyncedMs = performance.now() - t0;
    // Let y-indexeddb finish its writes before the client goes.
    await sleep(300);
    return { syncedMs, allSyncedMs };
  } finally {
    await client.destroy();
  }
}

/** A reload with no network: everything must come from IndexedDB. */
async function startFromCache(deadUrl: string, auth: AuthResponse, ids: string[], perConversation: number) {
  const t0 = performance.now();
  const client = new ParleyClient(sdkConfig(deadUrl, auth, indexedDbStorage()));
  try {
    await client.connect();
    const listed = client.listConversations().length;
    const listMs = performance.now() - t0;
    if (listed !== ids.length) throw new Error(`broken: cold start listed ${listed} of ${ids.length} cached conversations`);
    const handles = await Promise.all(ids.map((id) => client.openConversation(id)));
    const short = handles.filter((h) => h.messages().length < perConversation).length;
    const openAllMs = performance.now() - t0;
    if (short) throw new Error(`broken: ${short} conversations opened from the cache without their messages`);
    return { listMs, openAllMs };
  } finally {
    await client.destroy();
  }
}

/** Storage that keeps nothing: the heap then holds only what the SDK itself keeps per conversation. */
function nullStorage(): ClientStorage {
  return {
    persistDoc: () => ({ whenLoaded: Promise.resolve(), hadState: () => false, destroy: async () => undefined, clear: async () => undefined }),
    get: async () => undefined,
    set: async () => undefined,
    delete: async () => undefined,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}

async function memoryPerConversation(url: string, wsUrl: string, owner: AuthResponse, ids: string[], perConversation: number): Promise<SdkResult['memory']> {
  const client = new ParleyClient(sdkConfig(url, owner, nullStorage()));
  let sdkBytes: number;
  try {
    await client.connect();
    await client.whenSynced();
    await client.refreshConversations();
    await sleep(200);
    const before = await settledHeap();
    const handles: ConversationHandle[] = await Promise.all(ids.map((id) => client.openConversation(id)));
    await until(() => handles.every((h) => h.synced.synced && h.messages().length >= perConversation), 'conversations synced', 60_000);
    // What a chat screen does: read the merged list of each.
    for (const h of handles) h.messages();
    await sleep(200);
    sdkBytes = ((await settledHeap()) - before) / ids.length;
    if (handles.length !== ids.length) throw new Error('broken: handles lost');
  } finally {
    await client.destroy();
  }

  // Bare provider + Y.Doc per conversation, on one socket: the floor any Yjs client pays.
  const socket = new HocuspocusProviderWebsocket({ url: wsUrl, WebSocketPolyfill: WebSocket });
  const docs: Array<{ doc: Y.Doc; provider: HocuspocusProvider }> = [];
  try {
    await sleep(100);
    const before = await settledHeap();
    for (const id of ids) {
      const doc = new Y.Doc();
      const provider = new HocuspocusProvider({ websocketProvider: socket, name: conversationDocName(id), document: doc, token: owner.token });
      provider.attach();
      docs.push({ doc, provider });
    }
    await Promise.all(docs.map((d) => synced(d.provider, 60_000)));
    await sleep(200);
    const providerBytes = ((await settledHeap()) - before) / ids.length;
    const encoded = median(docs.map((d) => Y.encodeStateAsUpdate(d.doc).byteLength));
    return {
      conversations: ids.length,
      perConversation,
      sdkBytesPerConversation: sdkBytes,
      providerBytesPerConversation: providerBytes,
      encodedBytes: encoded,
      gcExposed: typeof gc === 'function',
    };
  } finally {
    for (const d of docs) d.provider.destroy();
    socket.destroy();
  }
}
