import {
  encodeStateless, keyValue, LIMITS, ParleyError, parseStateless, uploadIdOf, userDocName, userParts,
  type AuthResponse, type Command, type ConversationDetail, type ConversationSettings, type ConversationStatus, type ConversationSummary,
  type Draft, type HistoryPage, type InboxEntry, type KeyValue, type Role, type SearchHit, type User,
} from '@parley/schema';
import { resolveConfig, type ParleyClientConfig, type ResolvedConfig } from './config.ts';
import { Calls, otherMember } from './calls/Calls.ts';
import { Contacts } from './contacts/Contacts.ts';
import { ConversationCache } from './conversations/ConversationCache.ts';
import { ConversationHandle } from './conversations/ConversationHandle.ts';
import type { ConversationView } from './conversations/types.ts';
import { Emitter, type Connectivity, type ConnectionState, type ParleyCallbacks, type ParleyEvents } from './events.ts';
import { Groups } from './groups/Groups.ts';
import { uuidv7 } from './ids.ts';
import type { ChatMessage, MessageStatus } from './messages/mergeMessages.ts';
import type { SendInput } from './messages/sendInput.ts';
import { Sender, type SentHandle } from './messages/Sender.ts';
import { Notifications } from './notifications/Notifications.ts';
import { Outbox } from './outbox/Outbox.ts';
import { plain, Preferences } from './preferences/Preferences.ts';
import { Presence } from './presence/Presence.ts';
import { authRequest, RestClient } from './rest/RestClient.ts';
import { forgetLocalData } from './session/localData.ts';
import { Session } from './session/Session.ts';
import { indexedDbStorage } from './storage/indexeddb.ts';
import { memoryStorage } from './storage/memory.ts';
import type { ClientStorage } from './storage/types.ts';
import { Connection } from './sync/Connection.ts';
import { SyncedDoc, type SyncedDocContext } from './sync/SyncedDoc.ts';
import { TabHub } from './tabs/TabRelay.ts';
import type { UploadFile, UploadHandle, UploadOptions } from './uploads/types.ts';
import { Uploads } from './uploads/Uploads.ts';

export type { SendInput } from './messages/sendInput.ts';
export type { SentHandle } from './messages/Sender.ts';

/** A signed link for one media file (`mediaLink`): absolute when `mediaUrl` is set. */
export interface MediaLink {
  url: string;
  thumbnailUrl: string;
  expiresAt: number;
}

export interface ContextInput {
  kind: string;
  ref: string;
}

/** The parts that exist once the local state is loaded (`connect()` or a first send). */
interface Local {
  userDoc: SyncedDoc;
  outbox: Outbox;
  inbox: KeyValue<InboxEntry>;
  prefs: Preferences;
}

/**
 * The Parley client: one per signed-in user per tab (docs/sdk.md). A thin facade:
 * the session (tokens), the connection and its state machine, the conversation
 * list, presence, notifications, drafts and settings, contacts, groups and the
 * outbox are parts of their own; this class wires them together and keeps the
 * seed's API.
 */
export class ParleyClient extends Emitter<ParleyEvents> {
  readonly config: ResolvedConfig;
  readonly userId: string;
  private readonly storage: ClientStorage;
  private readonly session: Session;
  private readonly rest: RestClient;
  /** The media-server's own routes (signed links), with the same token and refresh. */
  private readonly mediaRest: RestClient;
  /** Per conversation, the media message sent last: the next one waits for its upload (sendFile keeps the user's order). */
  private readonly lastMedia = new Map<string, Promise<unknown>>();
  private readonly connection: Connection;
  private readonly conversations: ConversationCache;
  private readonly presence: Presence;
  private readonly notifications: Notifications;
  private readonly people: Contacts;
  private readonly groups: Groups;
  private readonly sender: Sender;
  /** Resumable uploads (docs/sdk.md, "Uploads"); `sendFile` pairs one with its message. */
  readonly uploads: Uploads;
  /** One-to-one voice and video calls (docs/sdk.md, "Calls"). */
  readonly calls: Calls;
  private tabs: TabHub | null = null;
  private local: Local | null = null;
  private loading: Promise<void> | null = null;
  private readonly open = new Map<string, { handle: ConversationHandle; ready: Promise<ConversationHandle>; refs: number }>();
  private callbackOffs: Array<() => void> = [];
  private isSynced = false;
  private connectivityNow: Connectivity = 'connecting';
  private backOnlineTimer: unknown = null;
  private readonly offNetwork: () => void;
  private unreadNow = 0;
  private destroying: Promise<void> | null = null;
  /**
   * What the app asked of the connection: null before connect() or disconnect()
   * was ever called (then the first use connects, as the seed did), else the
   * last of the two (rule SDK-C11: after disconnect(), sends wait for connect()).
   */
  private wanted: boolean | null = null;

  static register(serverUrl: string, body: { username: string; password: string; displayName?: string }, fetchImpl: typeof fetch = globalThis.fetch): Promise<AuthResponse> {
    return authRequest<AuthResponse>(fetchImpl, apiOf(serverUrl), '/auth/register', body);
  }

  static login(serverUrl: string, body: { username: string; password: string }, fetchImpl: typeof fetch = globalThis.fetch): Promise<AuthResponse> {
    return authRequest<AuthResponse>(fetchImpl, apiOf(serverUrl), '/auth/login', body);
  }

  /** Throws ParleyError CONFIG_INVALID on a bad config. */
  constructor(config: ParleyClientConfig) {
    super();
    this.config = resolveConfig(config);
    this.userId = this.config.userId;
    const s = this.config.storage;
    this.storage = s === 'memory' ? memoryStorage() : s === 'indexeddb' ? indexedDbStorage() : s;
    this.onListenerError = (e) => this.reportError(e, 'INTERNAL');
    this.session = new Session(this.config.apiUrl, this.config.fetch, { token: this.config.token, refreshToken: this.config.refreshToken }, this.config.logger, {
      tokenChanged: () => this.connection.reauthenticate(),
      renewed: (tokens) => this.emit('tokenRefreshed', tokens),
    });
    const restOf = (apiUrl: string) => new RestClient({
      apiUrl,
      fetch: this.config.fetch,
      token: () => this.session.token,
      refresh: () => this.session.refresh(),
      unauthorized: (e) => this.emit('authFailed', e),
    });
    this.rest = restOf(this.config.apiUrl);
    this.mediaRest = restOf(this.config.mediaUrl);
    this.connection = new Connection(this.config, () => this.session.token, {
      state: (state) => {
        this.emit('stateChanged', state);
        this.updateConnectivity();
      },
      connected: (again) => {
        this.emit('connected');
        if (again) this.emit('reconnected');
      },
      disconnected: (reason) => this.emit('disconnected', reason),
      reconnecting: (attempt, delay) => this.emit('reconnecting', attempt, delay),
      gaveUp: (n) => this.emit('error', new ParleyError('CONNECTION_FAILED', `gave up after ${n} reconnect attempts`)),
      heartbeatSent: (t) => this.emit('heartbeatSent', t),
      heartbeatReceived: (rtt) => this.emit('heartbeatReceived', rtt),
      // A failed refresh shows when the reconnect's authentication is refused (authFailed).
      expired: () => void this.session.refresh(),
    });
    this.conversations = new ConversationCache(this.userId, this.storage, () => ({
      inbox: this.local ? plain(this.local.inbox) : new Map(),
      settings: this.local?.prefs.settingsMap() ?? new Map(),
      drafts: this.local?.prefs.draftMap() ?? new Map(),
      online: this.presenceKnown ? this.presence.set : NOBODY,
    }), {
      changed: (list) => {
        this.emit('conversationsChanged', list);
        this.updateUnreadTotal(list);
      },
      storageFailed: (e) => this.reportError(e, 'STORAGE_FAILED'),
    });
    this.presence = new Presence((userId, online) => this.emit('presence', userId, online));
    this.notifications = new Notifications(this.userId, (m) => this.emit('messageReceived', m));
    this.people = new Contacts(this.rest);
    this.groups = new Groups(this.rest, this.userId, {
      changed: (c) => this.conversations.remember(c),
      left: (id) => this.conversations.forget(id),
    });
    this.calls = new Calls({
      userId: this.userId,
      send: (m) => this.local?.userDoc.provider?.sendStateless(encodeStateless(m)),
      credentials: () => this.rest.post('/calls/credentials'),
      otherMember: (id) => otherMember(this.getConversation(id), this.userId),
      signallingUrl: this.config.serverUrl,
      logger: this.config.logger,
    });
    this.offNetwork = this.config.online?.subscribe((online) => {
      this.connection.networkChanged(online);
      this.updateConnectivity();
    }) ?? (() => {});
    this.sender = new Sender({
      outbox: async () => (await this.ready()).outbox,
      directConversation: async (userId) => (await this.createDirectConversation(userId)).id,
      events: this,
      changed: (id) => this.refreshOpen(id),
    });
    this.uploads = new Uploads({
      endpoint: `${this.config.mediaUrl}/files/`,
      getToken: () => this.session.token,
      storage: this.storage,
      concurrency: this.config.uploadConcurrency,
      // Files chosen offline start once the sync connection is up again.
      online: {
        isOnline: () => this.connection.state === 'connected',
        subscribe: (fn) => this.on('stateChanged', (state) => fn(state === 'connected')),
      },
    });
  }

  // ——— Connection ———

  /**
   * Loads the local state (cache, outbox) and starts connecting. Resolves once the
   * local state is usable, without waiting for the network: offline, everything
   * cached shows and new messages queue. `whenSynced()` waits for the server.
   */
  async connect(): Promise<void> {
    this.wanted = true;
    await this.loadLocal();
    if (this.wanted) this.connection.start();
  }

  /** Closes the socket; local state stays usable, and every send waits in the outbox until connect(). */
  async disconnect(): Promise<void> {
    this.wanted = false;
    this.connection.stop();
  }

  /** Disconnects and releases everything (documents, timers, the tab channel). Calling it again is a no-op. */
  destroy(): Promise<void> {
    return this.releaseOnce(true);
  }

  /** `keep` false: the user's device data is being deleted (sign-out), so pending cache writes are dropped, not flushed after the delete. */
  private releaseOnce(keep: boolean): Promise<void> {
    this.destroying ??= this.release(keep);
    return this.destroying;
  }

  private async release(keep: boolean): Promise<void> {
    this.wanted = false;
    this.calls.destroy();
    this.offNetwork();
    if (this.backOnlineTimer !== null) this.config.clock.clearTimeout(this.backOnlineTimer);
    await this.loading?.catch(() => undefined);
    this.connection.stop();
    this.uploads.destroy();
    for (const { handle } of this.open.values()) await handle.close({ keep });
    this.open.clear();
    this.local?.outbox.destroy({ keep });
    await this.local?.userDoc.destroy();
    this.connection.destroy();
    this.tabs?.close();
    this.tabs = null;
    this.removeAllListeners();
  }

  /**
   * Signs out (rule SDK-A3): revokes the refresh token on the server (best effort),
   * releases everything like destroy(), and unless `keepLocalData` deletes what this
   * user left on the device: the user document (drafts, settings, unsent messages),
   * the conversation documents and history pages, the cached list. Every other tab
   * of this user in the browser signs out with it (rule SDK-A5).
   */
  async logout(options: { keepLocalData?: boolean } = {}): Promise<void> {
    await this.session.logout();
    this.tabs?.signal('signedOut');
    const known = this.conversations.list().map((c) => c.id);
    const released = this.releaseOnce(options.keepLocalData === true);
    this.emit('signedOut', 'here');
    await released;
    if (options.keepLocalData) return;
    try {
      await Promise.all([forgetLocalData(this.storage, this.userId, known), this.conversations.clear()]);
    } catch (e) {
      throw e instanceof ParleyError ? e : new ParleyError('STORAGE_FAILED', `logout: local data not deleted: ${(e as Error)?.message ?? e}`);
    }
  }

  getConnectionState(): ConnectionState {
    return this.connection.state;
  }

  /** What a connection banner says: the network and the socket together (rule SDK-C12); `connectivity` reports changes. */
  getConnectivity(): Connectivity {
    return this.connectivityNow;
  }

  /**
   * Whether presence is current: only while connected. Offline or reconnecting,
   * nobody shows as online (the list's `online` is false, `isOnline()` false) and
   * an app should show presence as unknown rather than "offline" (rule SDK-C12).
   */
  get presenceKnown(): boolean {
    return this.connection.state === 'connected' && this.config.online?.isOnline() !== false;
  }

  /** Unread messages over the conversations that are not muted (rule SDK-N3); `unreadTotal` reports changes. */
  getUnreadTotal(): number {
    return unreadTotal(this.conversations.list());
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

  /** A new access token: REST uses it at once; open documents re-authenticate on the same socket. After a give-up it connects again. */
  updateAccessToken(token: string, refreshToken?: string): void {
    this.session.update(token, refreshToken);
    if (this.connection.state === 'failed' && this.wanted !== false) this.connection.start();
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
    return this.conversations.list();
  }

  /** Fetches the list from the server (and caches it for offline starts). */
  async refreshConversations(): Promise<ConversationView[]> {
    const { items } = await this.rest.get<{ items: ConversationSummary[] }>('/conversations');
    this.conversations.replace(items);
    return this.listConversations();
  }

  async getConversation(id: string): Promise<ConversationDetail> {
    const res = await this.rest.get<{ conversation: ConversationDetail } | ConversationDetail>(`/conversations/${encodeURIComponent(id)}`);
    const detail = 'conversation' in res ? res.conversation : res;
    this.conversations.remember(detail);
    return detail;
  }

  async createConversation(input: { type: 'direct'; memberIds: [string] } | { type: 'group'; title: string; memberIds: string[] }): Promise<ConversationSummary> {
    const res = await this.rest.post<{ conversation: ConversationSummary } | ConversationSummary>('/conversations', input);
    const conversation = 'conversation' in res ? res.conversation : res;
    this.conversations.remember(conversation);
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
    this.conversations.remember(conversation);
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
    const { outbox, prefs } = await this.ready();
    // A document opened after destroy() or logout() would outlive them (and, after a sign-out, write its cache back).
    if (this.destroying) throw new ParleyError('CONNECTION_FAILED', 'openConversation: this client was destroyed');
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
      pending: () => outbox.pending(),
      clearedBefore: (cid) => prefs.settingsOf(cid).clearedBefore ?? 0,
      windowSeen: (cid, messages) => {
        this.notifications.note(cid, messages);
        outbox.confirmSeen(messages.filter((m) => m.senderId === this.userId).map((m) => m.id));
      },
      error: (e) => this.emit('error', e),
    }, this.docContext());
    const ready = handle.open().then(() => handle);
    this.open.set(id, { handle, ready, refs: 1 });
    return ready;
  }

  async closeConversation(id: string): Promise<void> {
    const entry = this.open.get(id);
    // While the client is released, release() closes every document, and knows whether to keep their caches.
    if (!entry || this.destroying || --entry.refs > 0) return;
    this.open.delete(id);
    await entry.handle.close();
  }

  // ——— Groups (REST: each waits for the server's verdict) ———

  renameConversation(conversationId: string, title: string): Promise<ConversationDetail> {
    return this.groups.update(conversationId, { title });
  }

  /** `null` removes the avatar. */
  setConversationAvatar(conversationId: string, avatarUrl: string | null): Promise<ConversationDetail> {
    return this.groups.update(conversationId, { avatarUrl });
  }

  addMembers(conversationId: string, userIds: string[]): Promise<ConversationDetail> {
    return this.groups.addMembers(conversationId, userIds);
  }

  /** Removing yourself is leaving (resolves null). */
  removeMember(conversationId: string, userId: string): Promise<ConversationDetail | null> {
    return this.groups.removeMember(conversationId, userId);
  }

  setMemberRole(conversationId: string, userId: string, role: Exclude<Role, 'owner'>): Promise<ConversationDetail> {
    return this.groups.setRole(conversationId, userId, role);
  }

  /** Leaves a group; it drops out of the list. An owner passes ownership on (docs/api.md). */
  leaveConversation(conversationId: string): Promise<void> {
    return this.groups.leave(conversationId);
  }

  /** Context conversations: `active`, `expired` or `closed`. */
  setConversationStatus(conversationId: string, status: ConversationStatus): Promise<ConversationDetail> {
    return this.groups.setStatus(conversationId, status);
  }

  // ——— Messages ———

  /**
   * Uploads a file and sends it as an image, video or file message once the
   * upload is done. The message shows as pending with the upload's progress
   * meanwhile and holds no later text back (SDK-Q1); a type or size the server
   * would refuse throws before any byte is sent.
   */
  /**
   * Uploads a file and sends its message. Media messages of one conversation
   * go out in the order of their sendFile calls: a small file sent after a
   * large one waits for it (a cancelled or refused one holds nothing back);
   * text is never held behind them.
   */
  async sendFile(file: UploadFile, options: UploadOptions & Pick<SendInput, 'replyTo' | 'messageId'>): Promise<{ upload: UploadHandle; sent: SentHandle }> {
    const upload = this.uploads.start(file, options);
    const before = this.lastMedia.get(options.conversationId) ?? Promise.resolve();
    const media = before.catch(() => undefined).then(() => upload.result);
    this.lastMedia.set(options.conversationId, media);
    void media.catch(() => undefined).finally(() => {
      if (this.lastMedia.get(options.conversationId) === media) this.lastMedia.delete(options.conversationId);
    });
    const sent = await this.sendMessage({
      conversationId: options.conversationId, kind: upload.kind, media,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}), ...(options.messageId ? { messageId: options.messageId } : {}),
    });
    return { upload, sent };
  }

  /**
   * A short-lived signed link for a media URL (`/files/<id>`), for an `<img>` or
   * `<video>` that cannot send a Bearer header (CONTRACT.md, "Media"): bound to
   * this user and file, good until `expiresAt` (ms since epoch). The
   * media-server checks membership on every request either way.
   */
  async mediaLink(mediaUrl: string): Promise<MediaLink> {
    const id = uploadIdOf(mediaUrl)?.id;
    if (!id) throw new ParleyError('VALIDATION_FAILED', `not a Parley media URL: ${mediaUrl}`);
    const link = await this.mediaRest.post<MediaLink>(`/files/${id}/link`);
    return { url: this.config.mediaUrl + link.url, thumbnailUrl: this.config.mediaUrl + link.thumbnailUrl, expiresAt: link.expiresAt };
  }

  /**
   * Queues a message (offline too) and returns at once with its id; `confirmed`
   * settles when the server answers. Bad input throws with the server's code.
   */
  sendMessage(input: SendInput): Promise<SentHandle> {
    return this.sender.send(input);
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
    const { outbox, inbox } = await this.ready();
    const known = this.open.get(conversationId)?.handle.lastSeq() ?? 0;
    const entry = inbox.get(conversationId);
    const target = seq ?? Math.max(known, entry?.lastSeq ?? 0);
    if (target <= (entry?.readSeq ?? 0)) return null;
    if (outbox.readQueued(conversationId, target)) return null;
    return this.command({ type: 'read', conversationId, seq: target });
  }

  /** Any other command, queued like a send (rename, setAvatar, addMembers, removeMember, setRole, leave, setStatus). */
  async command(fields: Record<string, unknown> & { type: Command['type']; conversationId: string }): Promise<Command> {
    const { outbox } = await this.ready();
    return outbox.append({ id: uuidv7(), createdAt: Date.now(), ...fields });
  }

  retryMessage(messageId: string): boolean {
    return this.local?.outbox.retry(messageId) ?? false;
  }

  discardMessage(messageId: string): void {
    this.local?.outbox.discard(messageId);
  }

  /** pending | sent | failed, as far as this device knows; undefined if it never saw the message. */
  messageStatus(messageId: string): MessageStatus | undefined {
    const status = this.local?.outbox.messageStatus(messageId);
    if (status) return status;
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

  // ——— People ———

  /** Users whose username or display name contains `q` (at most 20); the caller may be among them. */
  searchUsers(q: string): Promise<User[]> {
    return this.people.searchUsers(q);
  }

  getUser(userId: string): Promise<User> {
    return this.people.getUser(userId);
  }

  me(): Promise<{ user: User }> {
    return this.people.me();
  }

  updateProfile(patch: { displayName?: string; avatarUrl?: string | null }): Promise<User> {
    return this.people.updateProfile(patch);
  }

  listContacts(): Promise<User[]> {
    return this.people.list();
  }

  addContact(userId: string): Promise<User> {
    return this.people.add(userId);
  }

  removeContact(userId: string): Promise<void> {
    return this.people.remove(userId);
  }

  // ——— Presence, drafts, settings ———

  isOnline(userId: string): boolean {
    return this.presenceKnown && this.presence.has(userId);
  }

  onlineUsers(): string[] {
    return this.presenceKnown ? this.presence.list() : [];
  }

  getDraft(conversationId: string): Draft | undefined {
    return this.local?.prefs.draft(conversationId);
  }

  /** Drafts follow the user to every tab and device; an empty text deletes it. */
  setDraft(conversationId: string, text: string, replyTo?: string): void {
    if (!this.local) throw new ParleyError('CONNECTION_FAILED', 'setDraft: call connect() first');
    this.local.prefs.setDraft(conversationId, text, replyTo);
  }

  getConversationSettings(conversationId: string): ConversationSettings {
    return this.local?.prefs.settingsOf(conversationId) ?? {};
  }

  /** Mute, pin, clear history (clearedBefore) on every device of this user. */
  setConversationSettings(conversationId: string, patch: ConversationSettings): void {
    if (!this.local) throw new ParleyError('CONNECTION_FAILED', 'setConversationSettings: call connect() first');
    this.local.prefs.patchSettings(conversationId, patch);
    this.refreshOpen(conversationId);
  }

  // ——— Internals ———

  /** The local state, and a connection on first use unless the app said otherwise (SDK-C11). */
  private async ready(): Promise<Local> {
    const local = await this.loadLocal();
    if (this.wanted === null) {
      this.wanted = true;
      this.connection.start();
    }
    return local;
  }

  private async loadLocal(): Promise<Local> {
    this.loading ??= this.start();
    await this.loading;
    return this.local!;
  }

  private async start(): Promise<void> {
    if (this.config.broadcastChannel) {
      try {
        this.tabs = new TabHub(this.config.broadcastChannel(`parley:${this.userId}`), (signal) => {
          if (signal === 'signedOut') void this.signedOutElsewhere();
        });
      } catch (e) {
        this.config.logger.warn('no tab relay', e);
      }
    }
    await this.conversations.load();
    const userDoc = new SyncedDoc(userDocName(this.userId), this.docContext(), {
      epochs: false,
      awareness: false,
      onStateless: (payload) => this.onStateless(payload),
      onAuthenticated: () => this.emit('authenticated'),
      onAuthFailed: (e) => void this.onAuthFailed(e),
      onSynced: () => this.onUserSynced(),
    });
    await userDoc.open();
    this.connection.setHeartbeatProvider(userDoc.provider);
    const inbox = keyValue(userParts(userDoc.doc).inbox);
    inbox.onChange((changes) => {
      for (const [id, change] of changes) {
        const m = change.action === 'delete' ? undefined : change.newValue.lastMessage;
        if (m) this.notifications.note(id, [m]);
      }
      this.conversations.changed();
    });
    const prefs = new Preferences(userDoc.doc, {
      drafts: () => this.conversations.changed(),
      settings: (ids) => {
        this.conversations.changed();
        for (const id of ids) this.refreshOpen(id);
      },
    });
    const outbox = new Outbox(userDoc.doc, {
      clock: this.config.clock, storage: this.storage, userId: this.userId, maxRetries: this.config.maxSendRetries, random: this.config.random,
    }, {
      sent: (e) => this.emit('messageSent', e),
      failed: (e) => this.emit('messageFailed', e),
      changed: () => {
        for (const { handle } of this.open.values()) handle.invalidate();
      },
      error: (e) => this.emit('error', e),
    });
    this.local = { userDoc, outbox, inbox, prefs };
    if (userDoc.hadLocalState()) this.endBaseline();
    await outbox.load();
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
    if (this.notifications.inBaseline) this.endBaseline();
    if (!this.isSynced) {
      this.isSynced = true;
      this.emit('synced');
    }
    // Best effort: titles, peers and member counts for the list; offline keeps the cached copy.
    void this.refreshConversations().catch((e: unknown) => this.config.logger.debug('conversation list not refreshed', e));
  }

  /** What the device knew at start is not news (rule SDK-N1). */
  private endBaseline(): void {
    const lastSeqs: Array<[string, number]> = [];
    for (const [id, entry] of this.local?.inbox.entries() ?? []) lastSeqs.push([id, entry.lastSeq]);
    this.notifications.endBaseline(lastSeqs);
  }

  private onStateless(payload: string): void {
    const msg = parseStateless(payload);
    if (!msg) return;
    if (msg.type === 'pong') this.connection.pong(msg.t);
    else if (this.calls.handle(msg)) return;
    else if (this.presence.apply(msg)) this.conversations.changed();
  }

  private async onAuthFailed(error: ParleyError): Promise<void> {
    if ((error.code === 'TOKEN_EXPIRED' || error.code === 'AUTH_FAILED') && (await this.session.refresh())) return;
    this.emit('authFailed', error);
  }

  /** Another tab signed this user out (rule SDK-A5): that tab revokes and deletes; this one lets go of everything. */
  private async signedOutElsewhere(): Promise<void> {
    if (this.destroying) return;
    this.session.forget();
    // The tab that signed out deletes the data: writing caches now would leave some behind. Begun
    // before the event, so that an app which calls destroy() from its handler cannot flush them.
    const released = this.releaseOnce(false);
    this.emit('signedOut', 'otherTab');
    await released;
  }

  /** Derives the banner's state from the network signal and the connection (rule SDK-C12). */
  private updateConnectivity(): void {
    const before = this.connectivityNow;
    const state = this.connection.state;
    let next: Connectivity;
    if (this.config.online?.isOnline() === false || state === 'failed' || state === 'disconnected') next = 'offline';
    else if (state === 'connected') next = before === 'online' || before === 'connecting' ? 'online' : 'backOnline';
    else next = before === 'connecting' && state === 'connecting' ? 'connecting' : 'reconnecting';
    // The first connect of a session is no news; a disconnect() before any connect is not "offline" either.
    if (before === 'connecting' && state === 'disconnected' && this.wanted === null) next = 'connecting';
    if (next === before) return;
    if (this.backOnlineTimer !== null) {
      this.config.clock.clearTimeout(this.backOnlineTimer);
      this.backOnlineTimer = null;
    }
    if (next === 'backOnline') {
      this.backOnlineTimer = this.config.clock.setTimeout(() => {
        this.backOnlineTimer = null;
        if (this.connectivityNow === 'backOnline') this.setConnectivity('online');
      }, BACK_ONLINE_MS);
    }
    this.setConnectivity(next);
  }

  private setConnectivity(next: Connectivity): void {
    this.connectivityNow = next;
    this.emit('connectivity', next);
    // Presence turns unknown or current with the connection: the list shows it.
    this.conversations.changed();
  }

  private updateUnreadTotal(list: readonly ConversationView[]): void {
    const total = unreadTotal(list);
    if (total === this.unreadNow) return;
    this.unreadNow = total;
    this.emit('unreadTotal', total);
  }

  private refreshOpen(conversationId: string): void {
    this.open.get(conversationId)?.handle.invalidate();
  }

  private reportError(e: unknown, code: 'STORAGE_FAILED' | 'INTERNAL'): void {
    this.emit('error', e instanceof ParleyError ? e : new ParleyError(code, String((e as Error)?.message ?? e)));
  }
}

/** How long the banner says "back online" before it goes away. */
const BACK_ONLINE_MS = 3000;
const NOBODY: ReadonlySet<string> = new Set();

function unreadTotal(list: readonly ConversationView[]): number {
  return list.reduce((sum, c) => sum + (c.muted ? 0 : c.unreadCount), 0);
}

function apiOf(serverUrl: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/api`;
}
