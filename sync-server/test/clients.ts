import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { v7 as uuidv7 } from 'uuid';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import {
  conversationDocName,
  epochState,
  userDocName,
  userParts,
  windowMessages,
  type AuthResponse,
  type CommandResult,
  type ConversationSummary,
} from '@parley/schema';

/** Test clients: REST over fetch, sync over real `@hocuspocus/provider` connections. */

export async function api<T>(url: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}/api${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

let counter = 0;
export async function register(url: string, name = 'user'): Promise<AuthResponse> {
  const username = `${name}${Date.now().toString(36)}${(counter++).toString(36)}`.toLowerCase().slice(0, 32);
  const { status, body } = await api<AuthResponse>(url, '/auth/register', { body: { username, password: 'correct horse battery', displayName: name } });
  if (status !== 201) throw new Error(`register failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function directConversation(url: string, a: AuthResponse, b: AuthResponse): Promise<string> {
  const { status, body } = await api<{ conversation: ConversationSummary }>(url, '/conversations', {
    token: a.token,
    body: { type: 'direct', memberIds: [b.user.id] },
  });
  if (status !== 201 && status !== 200) throw new Error(`create failed: ${status} ${JSON.stringify(body)}`);
  return body.conversation.id;
}

export interface SyncClient {
  socket: HocuspocusProviderWebsocket;
  user: { doc: Y.Doc; provider: HocuspocusProvider };
  conversations: Map<string, { doc: Y.Doc; provider: HocuspocusProvider }>;
  open(conversationId: string): Promise<{ doc: Y.Doc; provider: HocuspocusProvider }>;
  /** Appends a send command; returns it. */
  send(conversationId: string, text: string): { id: string; messageId: string };
  results(): CommandResult[];
  messages(conversationId: string): ReturnType<typeof windowMessages>;
  destroy(): void;
}

/**
 * Closing a socket that is still connecting makes `ws` emit an error after the
 * provider removed its listeners, which Node treats as uncaught (the SDK does the same).
 */
class QuietWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => undefined);
  }
}

export async function connect(wsUrl: string, auth: AuthResponse, options: { doc?: Y.Doc; onStateless?: (payload: string) => void } = {}): Promise<SyncClient> {
  const socket = new HocuspocusProviderWebsocket({ url: wsUrl, WebSocketPolyfill: QuietWebSocket, delay: 100, maxDelay: 1000, minDelay: 50 });
  const userDoc = options.doc ?? new Y.Doc();
  const userProvider = new HocuspocusProvider({
    websocketProvider: socket, name: userDocName(auth.user.id), document: userDoc, token: auth.token,
    ...(options.onStateless ? { onStateless: ({ payload }: { payload: string }) => options.onStateless!(payload) } : {}),
  });
  userProvider.attach();
  await synced(userProvider);
  const conversations = new Map<string, { doc: Y.Doc; provider: HocuspocusProvider }>();

  const client: SyncClient = {
    socket,
    user: { doc: userDoc, provider: userProvider },
    conversations,
    async open(conversationId) {
      const existing = conversations.get(conversationId);
      if (existing) return existing;
      const doc = new Y.Doc();
      // Per-session routing, so a copy reopened after an epoch change never talks to its predecessor's closing connection.
      const provider = new HocuspocusProvider({ websocketProvider: socket, name: conversationDocName(conversationId), document: doc, token: auth.token, sessionAwareness: true });
      provider.attach();
      const entry = { doc, provider };
      conversations.set(conversationId, entry);
      await synced(provider);
      return entry;
    },
    send(conversationId, text) {
      const command = { id: uuidv7(), type: 'send' as const, conversationId, messageId: uuidv7(), kind: 'text' as const, text, createdAt: Date.now() };
      userParts(userDoc).outbox.push([command]);
      return { id: command.id, messageId: command.messageId };
    },
    results() {
      return userParts(userDoc).results.toArray();
    },
    messages(conversationId) {
      const entry = conversations.get(conversationId);
      return entry ? windowMessages(entry.doc) : [];
    },
    destroy() {
      for (const { provider } of conversations.values()) provider.destroy();
      userProvider.destroy();
      socket.destroy();
    },
  };
  return client;
}

/**
 * Rule E2 as a plain provider client applies it: a conversation copy that
 * merged two epochs is dropped and opened anew.
 */
export async function reopenIfStale(client: SyncClient, conversationId: string, token: string) {
  const entry = client.conversations.get(conversationId);
  if (!entry || !epochState(entry.doc).stale) return false;
  entry.provider.destroy();
  client.conversations.delete(conversationId);
  const doc = new Y.Doc();
  const provider = new HocuspocusProvider({ websocketProvider: client.socket, name: conversationDocName(conversationId), document: doc, token, sessionAwareness: true });
  provider.attach();
  client.conversations.set(conversationId, { doc, provider });
  await synced(provider);
  return true;
}

export function synced(provider: HocuspocusProvider, timeoutMs = 15_000): Promise<void> {
  if (provider.isSynced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${provider.configuration.name} did not sync`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      provider.off('synced', done);
      resolve();
    };
    provider.on('synced', done);
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
      clearTimeout(timer);
      reject(new Error(`authentication failed: ${reason}`));
    });
  });
}

export async function waitFor(predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
