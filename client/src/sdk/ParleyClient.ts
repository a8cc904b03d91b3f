import {
  keyValue, LIMITS, ParleyError, parseStateless, userDocName, userParts,
  type AuthResponse, type Command, type ConversationDetail, type ConversationSettings, type ConversationSummary,
  type Draft, type HistoryPage, type InboxEntry, type Media, type Message, type SearchHit, type User,
} from '@parley/schema';
import type { YKeyValue } from 'y-utility/y-keyvalue';
import { resolveConfig, type ParleyClientConfig, type ResolvedConfig } from './config.ts';
import { conversationList } from './conversations/listView.ts';
import { ConversationHandle } from './conversations/ConversationHandle.ts';
import type { ConversationView } from './conversations/types.ts';
import { Emitter, type ConnectionState, type ParleyCallbacks, type ParleyEvents } from './events.ts';
import { uuidv7 } from './ids.ts';
import type { ChatMessage, MessageStatus } from './messages/mergeMessages.ts';
import { Outbox } from './outbox/Outbox.ts';
import { authRequest, RestClient } from './rest/RestClient.ts';
import { indexedDbStorage } from './storage/indexeddb.ts';
import { memoryStorage } from './storage/memory.ts';
import type { ClientStorage } from './storage/types.ts';
import { Connection } from './sync/Connection.ts';
import { SyncedDoc, type SyncedDocContext } from './sync/SyncedDoc.ts';
import { TabHub } from './tabs/TabRelay.ts';

export interface SendInput {
  /** Where to send; or `toUserId` for the direct conversation with that user (created if needed). */
  conversationId?: string;
  toUserId?: string;
  text?: string;
  /** Seed alias of `text`. */
  content?: string;
  kind?: 'text' | 'image' | 'video' | 'file';
  /** Seed alias of `kind`. */
  messageType?: 'text' | 'image' | 'video' | 'file';
  /** An uploaded file, or a promise of one: the message shows as pending meanwhile and holds nothing else back. */
  media?: Media | Promise<Media>;
  replyTo?: string;
  /** 0–9, higher first; default 5 for text, 3 for media (rule SDK-Q1). */
  priority?: number;
  /** Reuse to make a send idempotent across your own retries. */
  messageId?: string;
}

export interface SentHandle {
  messageId: string;
  conversationId: string;
  /** Resolves when the server confirmed (seq) or rejects with its ParleyError. Pending offline as long as it takes. */
  confirmed: Promise<{ seq: number }>;
}

export interface ContextInput {
  kind: string;
  ref: string;
}

/**
 * The Parley client: one per signed-in user per tab. See docs/sdk.md.
 */
export class ParleyClient extends Emitter<ParleyEvents> {
  readonly config: ResolvedConfig;
  readonly userId: string;
  private token: string;
  private refreshToken: string | undefined;
  private readonly storage: ClientStorage;
  private readonly rest: RestClient;
  private readonly connection: Connection;
  private tabs: TabHub | null = null;
  private userDoc: SyncedDoc | null = null;
  private outbox: Outbox | null = null;
  private inbox: YKeyValue<InboxEntry> | null = null;
  private drafts: YKeyValue<Draft> | null = null;
  private settings: YKeyValue<ConversationSettings> | null = null;
  private readonly summaries = new Map<string, ConversationSummary>();
  private readonly details = new Map<string, ConversationDetail>();
  private readonly online = new Set<string>();
  private readonly open = new Map<string, { handle: ConversationHandle; ready: Promise<ConversationHandle>; refs: number }>();
  private readonly notified = new Map<string, number>();
  private baselining = true;
  private callbackOffs: Array<() => void> = [];
  private started: Promise<void> | null = null;
  private isSynced = false;
  private refreshing: Promise<boolean> | null = null;
  private listCache: ConversationView[] | null = null;

  static register(serverUrl: string, body: { username: string; password: string; displayName?: string }, fetchImpl: typeof fetch = globalThis.fetch): Promise<AuthResponse> {
    return authRequest<AuthResponse>(fetchImpl, `${serverUrl.replace(/\/+$/, '')}/api`, '/auth/register', body);
  }

  static login(serverUrl: string, body: { username: string; password: string }, fetchImpl: typeof fetch = globalThis.fetch): Promise<AuthResponse> {
    return authRequest<AuthResponse>(fetchImpl, `${serverUrl.replace(/\/+$/, '')}/api`, '/auth/login', body);
  }

  /** Throws ParleyError CONFIG_INVALID on a bad config. */
  constructor(config: ParleyClientConfig) {
    super();
    this.config = resolveConfig(config);
    this.userId = this.config.userId;
    this.token = this.config.token;
    this.refreshToken = this.config.refreshToken;
    const s = this.config.storage;
    this.storage = s === 'memory' ? memoryStorage() : s === 'indexeddb' ? indexedDbStorage() : s;
    this.onListenerError = (e) => this.reportError(e, 'INTERNAL');
    this.rest = new RestClient({
      apiUrl: this.config.apiUrl,
      fetch: this.config.fetch,
      token: () => this.token,
      ...(this.refreshToken ? { refresh: () => this.refreshAccessToken() } : {}),
    });
    this.connection = new Connection(this.config, () => this.token, {
      state: (state) => this.emit('stateChanged', state),
      connected: (again) => {
        this.emit('connected');
        if (again) this.emit('reconnected');
      },
      disconnected: (reason) => this.emit('disconnected', reason),
      reconnecting: (attempt, delay) => this.emit('reconnecting', attempt, delay),
      gaveUp: (n) => this.emit('error', new ParleyError('CONNECTION_FAILED', `gave up after ${n} reconnect attempts`)),
      heartbeatSent: (t) => this.emit('heartbeatSent', t),
      heartbeatReceived: (rtt) => this.emit('heartbeatReceived', rtt),
    });
  }

  // ——— Connection ———

  /**
   * Loads the local state (cache, outbox) and starts connecting. Resolves once the
   * local state is usable, without waiting for the network: offline, everything
   * cached shows and new messages queue. `whenSynced()` waits for the server.
   */
  connect(): Promise<void> {
    this.started ??= this.start();
    return this.started.then(() => this.connection.start());
  }

  /** Closes the socket; local state stays usable and sends keep queueing. */
  async disconnect(): Promise<void> {
    this.connection.stop();
  }

  /** Disconnects and releases everything (documents, timers, the tab channel). */
  async destroy(): Promise<void> {
    await this.started?.catch(() => undefined);
    this.connection.stop();
    for (const { handle } of this.open.values()) await handle.close();
    this.open.clear();
    this.outbox?.destroy();
    await this.userDoc?.destroy();
    this.connection.destroy();
    this.tabs?.close();
    this.tabs = null;
    this.removeAllListeners();
  }

  getConnectionState(): ConnectionState {
    return this.connection.state;
  }

  /** Resolves when the user document has synced with the server (after connect). */
  whenSynced(timeoutMs = 30_000): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ParleyError('CONNECTION_FAILED', `not synced within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.once('synced', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A new access token: REST uses it at once; open documents re-authenticate on the same socket. */
  updateAccessToken(token: string, refreshToken?: string): void {
    if (typeof token !== 'string' || token === '') throw new ParleyError('CONFIG_INVALID', 'updateAccessToken: expected a token');
    this.token = token;
    if (refreshToken) this.refreshToken = refreshToken;
    this.connection.reauthenticate();
    if (this.connection.state === 'failed') this.connection.start();
  }

  /** Seed API: one callback per event; calling it again replaces the previous set. */
  setCallbacks(callbacks: ParleyCallbacks): void {
    for (const off of this.callbackOffs) off();
    this.callbackOffs = [];
    for (const [event, fn] of Object.entries(callbacks) as Array<[keyof ParleyEvents, ParleyEvents[keyof ParleyEvents]]>) {
      if (typeof fn === 'function') this.callbackOffs.push(this.on(event, fn as never));
    }
  }

  // ——— Conversations ———

  /** The conversation list, live: inbox (last message, unread), presence, drafts, pin/mute. */
  listConversations(): ConversationView[] {
    this.listCache ??= conversationList({
      summaries: this.summaries,
      inbox: kvMap(this.inbox),
      settings: kvMap(this.settings),
      drafts: kvMap(this.drafts),
      online: this.online,
    });
    return this.listCache;
  }

  /** Fetches the list from the server (and caches it for offline starts). */
  async refreshConversations(): Promise<ConversationView[]> {
    const { items } = await this.rest.get<{ items: ConversationSummary[] }>('/conversations');
    this.summaries.clear();
    for (const c of items) this.summaries.set(c.id, c);
    this.listChanged();
    this.saveSummaries();
    return this.listConversations();
  }

  async getConversation(id: string): Promise<ConversationDetail> {
    const detail = await this.rest.get<ConversationDetail>(`/conversations/${encodeURIComponent(id)}`);
    this.remember(detail);
    return detail;
  }

  async createConversation(input: { type: 'direct'; memberIds: [string] } | { type: 'group'; title: string; memberIds: string[] }): Promise<ConversationSummary> {
    const res = await this.rest.post<{ conversation: ConversationSummary } | ConversationSummary>('/conversations', input);
    const conversation = 'conversation' in res ? res.conversation : res;
    this.remember(conversation);
    return conversation;
  }

  createDirectConversation(otherUserId: string): Promise<ConversationSummary> {
    return this.createConversation({ type: 'direct', memberIds: [otherUserId] });
  }

  createGroup(title: string, memberIds: string[]): Promise<ConversationSummary> {
    return this.createConversation({ type: 'group', title, memberIds });
  }

  /** The seed's getOrCreateSession(bookId, buyerId, sellerId), for any context (a listing, an order, …). */
  async getOrCreateContextConversation(
    context: ContextInput,
    buyerId: string,
    sellerId: string,
    options: { title?: string; expiresAt?: number } = {},
  ): Promise<ConversationSummary> {
    const res = await this.rest.post<{ conversation: ConversationSummary } | ConversationSummary>('/context-conversations', {
      context, buyerId, sellerId, ...options,
    });
    const conversation = 'conversation' in res ? res.conversation : res;
    this.remember(conversation);
    return conversation;
  }

  getCachedConversation(id: string): ConversationView | undefined {
    return this.listConversations().find((c) => c.id === id);
  }

  getAllCachedConversations(): ConversationView[] {
    return this.listConversations();
  }

  /** Opens (or shares) the live document of a conversation. Each call needs a `closeConversation`. */
  async openConversation(id: string): Promise<ConversationHandle> {
    await this.connect();
    const entry = this.open.get(id);
    if (entry) {
      entry.refs++;
      return entry.ready;
    }
    const handle = new ConversationHandle(id, {
      me: this.userId,
      clock: this.config.clock,
      storage: this.storage,
      typingTimeout: this.config.typingTimeout,
      fetchHistory: (cid, before, limit) => this.getHistory(cid, before, limit),
      pending: () => this.outbox?.pending() ?? [],
      clearedBefore: (cid) => this.settings?.get(cid)?.clearedBefore ?? 0,
      windowSeen: (cid, messages) => {
        this.noteMessages(cid, messages);
        this.outbox?.confirmSeen(messages.filter((m) => m.senderId === this.userId).map((m) => m.id));
      },
      error: (e) => this.emit('error', e),
    }, this.docContext());
    const ready = handle.open().then(() => handle);
    this.open.set(id, { handle, ready, refs: 1 });
    return ready;
  }

  async closeConversation(id: string): Promise<void> {
    const entry = this.open.get(id);
    if (!entry || --entry.refs > 0) return;
    this.open.delete(id);
    await entry.handle.close();
  }

  // ——— Messages ———

  /**
   * Queues a message (offline too) and returns at once with its id; `confirmed`
   * settles when the server answers. Bad input throws with the server's code.
   */
  async sendMessage(input: SendInput): Promise<SentHandle> {
    await this.connect();
    const conversationId = input.conversationId ?? (input.toUserId ? (await this.createDirectConversation(input.toUserId)).id : undefined);
    if (!conversationId) throw new ParleyError('VALIDATION_FAILED', 'sendMessage: conversationId or toUserId is required');
    const messageId = input.messageId ?? uuidv7();
    const kind = input.kind ?? input.messageType ?? (input.media ? kindOf(input.media) : 'text');
    const base = {
      id: uuidv7(),
      type: 'send' as const,
      conversationId,
      messageId,
      kind,
      text: input.text ?? input.content ?? '',
      createdAt: Date.now(),
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      ...(input.priority !== undefined ? { priority: input.priority } : {}),
    };
    const confirmed = this.confirmation(messageId);
    const outbox = this.outbox!;
    if (input.media && isPromise(input.media)) {
      // Validate what we can now so bad input fails before the upload ends.
      outbox.hold({ ...base, kind, media: undefined } as never);
      input.media.then(
        (media) => {
          outbox.release(messageId);
          try {
            outbox.append({ ...base, media });
          } catch (e) {
            this.emit('messageFailed', { commandId: base.id, messageId, conversationId, error: e as ParleyError, retryable: false });
          }
        },
        (e: unknown) => {
          outbox.release(messageId);
          const error = e instanceof ParleyError ? e : new ParleyError('MESSAGE_SEND_FAILED', `upload failed: ${(e as Error)?.message ?? e}`);
          this.emit('messageFailed', { commandId: base.id, messageId, conversationId, error, retryable: false });
        },
      );
    } else {
      outbox.append({ ...base, ...(input.media ? { media: input.media } : {}) });
    }
    this.refreshOpen(conversationId);
    return { messageId, conversationId, confirmed };
  }

  editMessage(conversationId: string, messageId: string, text: string): Promise<Command> {
    return this.command({ type: 'edit', conversationId, messageId, text });
  }

  recallMessage(conversationId: string, messageId: string): Promise<Command> {
    return this.command({ type: 'recall', conversationId, messageId });
  }

  react(conversationId: string, messageId: string, emoji: string): Promise<Command> {
    return this.command({ type: 'react', conversationId, messageId, emoji });
  }

  unreact(conversationId: string, messageId: string, emoji: string): Promise<Command> {
    return this.command({ type: 'unreact', conversationId, messageId, emoji });
  }

  /** Marks read up to `seq` (default: the newest message this device knows). Skips what is already read. */
  async markRead(conversationId: string, seq?: number): Promise<Command | null> {
    await this.connect();
    const known = this.open.get(conversationId)?.handle.lastSeq() ?? 0;
    const entry = this.inbox?.get(conversationId);
    const target = seq ?? Math.max(known, entry?.lastSeq ?? 0);
    if (target <= (entry?.readSeq ?? 0)) return null;
    const queued = userParts(this.userDoc!.doc).outbox.toArray().some((c) => c.type === 'read' && c.conversationId === conversationId && c.seq >= target);
    if (queued) return null;
    return this.command({ type: 'read', conversationId, seq: target });
  }

  /** Any other command (rename, setAvatar, addMembers, removeMember, setRole, leave, setStatus). */
  async command(fields: Record<string, unknown> & { type: Command['type']; conversationId: string }): Promise<Command> {
    await this.connect();
    return this.outbox!.append({ id: uuidv7(), createdAt: Date.now(), ...fields });
  }

  retryMessage(messageId: string): boolean {
    return this.outbox?.retry(messageId) ?? false;
  }

  discardMessage(messageId: string): void {
    this.outbox?.discard(messageId);
  }

  /** pending | sent | failed, as far as this device knows; undefined if it never saw the message. */
  messageStatus(messageId: string): MessageStatus | undefined {
    const p = this.outbox?.statusOf(messageId);
    if (p) return p.error ? 'failed' : 'pending';
    for (const { handle } of this.open.values()) {
      const m = handle.messages().find((x: ChatMessage) => x.id === messageId);
      if (m) return m.status;
    }
    return undefined;
  }

  /** One page of history from the server, oldest first (seq < before). */
  getHistory(conversationId: string, before?: number, limit: number = LIMITS.historyPageDefault): Promise<HistoryPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) q.set('before', String(before));
    return this.rest.get<HistoryPage>(`/conversations/${encodeURIComponent(conversationId)}/messages?${q}`);
  }

  async search(q: string): Promise<SearchHit[]> {
    const res = await this.rest.get<{ items: SearchHit[] }>(`/search?q=${encodeURIComponent(q)}`);
    return res.items;
  }

  // ——— Contacts, presence, drafts, settings ———

  async listContacts(): Promise<User[]> {
    const res = await this.rest.get<{ items: User[] }>('/contacts');
    return res.items;
  }

  addContact(userId: string): Promise<unknown> {
    return this.rest.post('/contacts', { userId });
  }

  removeContact(userId: string): Promise<unknown> {
    return this.rest.delete(`/contacts/${encodeURIComponent(userId)}`);
  }

  me(): Promise<{ user: User }> {
    return this.rest.get<{ user: User }>('/me');
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  onlineUsers(): string[] {
    return [...this.online];
  }

  getDraft(conversationId: string): Draft | undefined {
    return this.drafts?.get(conversationId);
  }

  /** Drafts follow the user to every tab and device; an empty text deletes it. */
  setDraft(conversationId: string, text: string, replyTo?: string): void {
    if (!this.drafts) throw new ParleyError('CONNECTION_FAILED', 'setDraft: call connect() first');
    if (text === '') this.drafts.delete(conversationId);
    else this.drafts.set(conversationId, { text, updatedAt: Date.now(), ...(replyTo ? { replyTo } : {}) });
  }

  getConversationSettings(conversationId: string): ConversationSettings {
    return this.settings?.get(conversationId) ?? {};
  }

  /** Mute, pin, clear history (clearedBefore) on every device of this user. */
  setConversationSettings(conversationId: string, patch: ConversationSettings): void {
    if (!this.settings) throw new ParleyError('CONNECTION_FAILED', 'setConversationSettings: call connect() first');
    this.settings.set(conversationId, { ...this.settings.get(conversationId), ...patch });
    this.refreshOpen(conversationId);
  }

  // ——— Internals ———

  private async start(): Promise<void> {
    if (this.config.broadcastChannel) {
      try {
        this.tabs = new TabHub(this.config.broadcastChannel(`parley:${this.userId}`));
      } catch (e) {
        this.config.logger.warn('no tab relay', e);
      }
    }
    try {
      const cached = await this.storage.get<ConversationSummary[]>(`conversations:${this.userId}`);
      for (const c of cached ?? []) if (!this.summaries.has(c.id)) this.summaries.set(c.id, c);
    } catch (e) {
      this.reportError(e, 'STORAGE_FAILED');
    }
    const userDoc = new SyncedDoc(userDocName(this.userId), this.docContext(), {
      epochs: false,
      awareness: false,
      onStateless: (payload) => this.onStateless(payload),
      onAuthenticated: () => this.emit('authenticated'),
      onAuthFailed: (e) => void this.onAuthFailed(e),
      onSynced: () => this.onUserSynced(),
    });
    this.userDoc = userDoc;
    await userDoc.open();
    this.connection.setHeartbeatProvider(userDoc.provider);
    const parts = userParts(userDoc.doc);
    this.inbox = keyValue(parts.inbox);
    this.drafts = keyValue(parts.drafts);
    this.settings = keyValue(parts.settings);
    this.inbox.on('change', (changes: Map<string, { newValue?: InboxEntry }>) => {
      for (const [id, change] of changes) {
        const m = change.newValue?.lastMessage;
        if (m) this.noteMessages(id, [m]);
      }
      this.listChanged();
    });
    this.drafts.on('change', () => this.listChanged());
    this.settings.on('change', (changes: Map<string, unknown>) => {
      this.listChanged();
      for (const id of changes.keys()) this.refreshOpen(id);
    });
    if (userDoc.hadLocalState()) this.endBaseline();
    this.outbox = new Outbox(userDoc.doc, {
      clock: this.config.clock, storage: this.storage, userId: this.userId, maxRetries: this.config.maxSendRetries, random: this.config.random,
    }, {
      sent: (e) => this.emit('messageSent', e),
      failed: (e) => this.emit('messageFailed', e),
      changed: () => {
        for (const { handle } of this.open.values()) handle.invalidate();
      },
      error: (e) => this.emit('error', e),
    });
    await this.outbox.load();
  }

  private docContext(): SyncedDocContext {
    return {
      storage: this.storage,
      storagePrefix: '',
      connection: this.connection,
      tabs: this.tabs,
      onError: (e) => this.emit('error', e),
    };
  }

  private onUserSynced(): void {
    if (this.baselining) this.endBaseline();
    if (!this.isSynced) {
      this.isSynced = true;
      this.emit('synced');
    }
    // Best effort: titles, peers and member counts for the list; offline keeps the cached copy.
    void this.refreshConversations().catch((e: unknown) => this.config.logger.debug('conversation list not refreshed', e));
  }

  /** What the device knew at start is not news (rule SDK-N2): only later messages fire messageReceived. */
  private endBaseline(): void {
    this.baselining = false;
    for (const [id, { val }] of this.inbox?.map ?? []) this.notified.set(id, Math.max(this.notified.get(id) ?? 0, val.lastSeq));
  }

  private noteMessages(conversationId: string, messages: Message[]): void {
    const base = this.notified.get(conversationId);
    let max = base ?? 0;
    const fresh: Message[] = [];
    for (const m of messages) {
      if (m.seq > max) max = m.seq;
      if (!this.baselining && m.seq > (base ?? 0) && m.senderId !== this.userId && m.kind !== 'system') fresh.push(m);
    }
    this.notified.set(conversationId, max);
    fresh.sort((a, b) => a.seq - b.seq);
    for (const m of fresh) this.emit('messageReceived', m);
  }

  private onStateless(payload: string): void {
    const msg = parseStateless(payload);
    if (msg?.type === 'pong') this.connection.pong(msg.t);
    else if (msg?.type === 'presence') {
      const { online } = msg;
      if (online === this.online.has(msg.userId)) return;
      if (online) this.online.add(msg.userId);
      else this.online.delete(msg.userId);
      this.emit('presence', msg.userId, online);
      this.listChanged();
    } else if (msg?.type === 'presenceSnapshot') {
      const next = new Set(msg.online);
      for (const id of this.online) if (!next.has(id)) this.emit('presence', id, false);
      for (const id of next) if (!this.online.has(id)) this.emit('presence', id, true);
      this.online.clear();
      for (const id of next) this.online.add(id);
      this.listChanged();
    }
  }

  private async onAuthFailed(error: ParleyError): Promise<void> {
    if ((error.code === 'TOKEN_EXPIRED' || error.code === 'AUTH_FAILED') && this.refreshToken && (await this.refreshAccessToken())) return;
    this.emit('authFailed', error);
  }

  private refreshAccessToken(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const res = await authRequest<AuthResponse>(this.config.fetch, this.config.apiUrl, '/auth/refresh', { refreshToken: this.refreshToken });
        this.updateAccessToken(res.token, res.refreshToken);
        this.emit('tokenRefreshed', { token: res.token, refreshToken: res.refreshToken, expiresAt: res.expiresAt });
        return true;
      } catch (e) {
        this.config.logger.warn('token refresh failed', e);
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private confirmation(messageId: string): Promise<{ seq: number }> {
    const p = new Promise<{ seq: number }>((resolve, reject) => {
      const offSent = this.on('messageSent', (e) => {
        if (e.messageId !== messageId) return;
        offSent();
        offFailed();
        resolve({ seq: e.seq });
      });
      const offFailed = this.on('messageFailed', (e) => {
        if (e.messageId !== messageId || e.retryable) return;
        offSent();
        offFailed();
        reject(e.error);
      });
    });
    // Nobody has to await it.
    p.catch(() => undefined);
    return p;
  }

  private remember(c: ConversationSummary | ConversationDetail): void {
    this.summaries.set(c.id, c);
    if ('members' in c) this.details.set(c.id, c);
    this.listChanged();
    this.saveSummaries();
  }

  private saveSummaries(): void {
    this.storage.set(`conversations:${this.userId}`, [...this.summaries.values()]).catch((e: unknown) => this.reportError(e, 'STORAGE_FAILED'));
  }

  private listChanged(): void {
    this.listCache = null;
    this.emit('conversationsChanged', this.listConversations());
  }

  private refreshOpen(conversationId: string): void {
    this.open.get(conversationId)?.handle.invalidate();
  }

  private reportError(e: unknown, code: 'STORAGE_FAILED' | 'INTERNAL'): void {
    this.emit('error', e instanceof ParleyError ? e : new ParleyError(code, String((e as Error)?.message ?? e)));
  }
}

function kvMap<T>(kv: YKeyValue<T> | null): Map<string, T> {
  const map = new Map<string, T>();
  for (const [k, { val }] of kv?.map ?? []) map.set(k, val);
  return map;
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

function kindOf(media: Media | Promise<Media>): 'image' | 'video' | 'file' {
  if (isPromise(media)) return 'file';
  return media.mimeType.startsWith('image/') ? 'image' : media.mimeType.startsWith('video/') ? 'video' : 'file';
}
