import {
  conversationDocName, conversationParts, highestVersions, readMeta, toMessage, windowMessages, LIMITS, ParleyError,
  type ConversationMeta, type HistoryPage, type Message,
} from '@parley/schema';
import type { Clock } from '../clock.ts';
import { Emitter } from '../events.ts';
import { mergeMessages, readByCount, type ChatMessage, type PendingSend } from '../messages/mergeMessages.ts';
import type { ClientStorage } from '../storage/types.ts';
import { SyncedDoc, type SyncedDocContext } from '../sync/SyncedDoc.ts';

export interface ConversationEvents {
  /** The message list, meta, reads or typing changed. */
  change: () => void;
  typing: (userIds: string[]) => void;
  /** The server cut the document over to a new epoch and it was reloaded (E2). */
  reset: (epoch: number | null) => void;
}

/** What a handle needs from the client, so it never reaches into it. */
export interface HandleHost {
  me: string;
  clock: Clock;
  storage: ClientStorage;
  typingTimeout: number;
  fetchHistory(conversationId: string, before: number | undefined, limit: number): Promise<HistoryPage>;
  pending(): PendingSend[];
  clearedBefore(conversationId: string): number;
  windowSeen(conversationId: string, messages: Message[]): void;
  error(e: ParleyError): void;
}

interface CachedHistory {
  messages: Message[];
  hasMore: boolean;
}

/** Where the history pages a user has read in a conversation are kept on the device. */
export function historyKey(userId: string, conversationId: string): string {
  return `history:${userId}:${conversationId}`;
}

/**
 * An open conversation (rules SDK-M1–SDK-M5): the live window of its document, history
 * pages from the REST API and the device cache, and the user's unconfirmed sends,
 * merged by message id and ordered by seq.
 */
export class ConversationHandle extends Emitter<ConversationEvents> {
  readonly synced: SyncedDoc;
  private history = new Map<string, Message>();
  private more = true;
  private list: ChatMessage[] = [];
  private dirty = true;
  private typingTimer: unknown = null;
  private cacheTimer: unknown = null;
  private lastTypers = '';
  private closed = false;

  constructor(readonly id: string, private readonly host: HandleHost, ctx: SyncedDocContext) {
    super();
    this.synced = new SyncedDoc(conversationDocName(id), ctx, {
      epochs: true,
      awareness: true,
      session: true,
      onReset: (epoch) => {
        this.invalidate();
        this.emit('reset', epoch);
      },
      onAuthFailed: (e) => host.error(e),
    });
    this.synced.onChange(() => this.onDocChange());
  }

  async open(): Promise<void> {
    try {
      const cached = await this.host.storage.get<CachedHistory>(this.cacheKey);
      if (cached) {
        for (const m of cached.messages) this.history.set(m.id, m);
        this.more = cached.hasMore;
      }
    } catch (e) {
      this.host.error(e as ParleyError);
    }
    await this.synced.open();
    this.invalidate();
  }

  /** The merged list: history ∪ window ∪ unconfirmed sends, one per id, by seq. */
  messages(): ChatMessage[] {
    if (!this.dirty) return this.list;
    const doc = this.synced.doc;
    const meta = readMeta(doc);
    this.list = mergeMessages({
      conversationId: this.id,
      me: this.host.me,
      history: this.history.values(),
      window: this.windowList(),
      pending: this.host.pending(),
      members: meta.members,
      reads: this.reads(),
      clearedBefore: this.host.clearedBefore(this.id),
    });
    this.dirty = false;
    return this.list;
  }

  meta(): Partial<ConversationMeta> {
    return readMeta(this.synced.doc);
  }

  /** Last read seq of every member (the `reads` part; the rightmost entry per key wins). */
  reads(): Map<string, number> {
    const reads = new Map<string, number>();
    for (const { key, val } of conversationParts(this.synced.doc).reads) reads.set(key, val);
    return reads;
  }

  /** Members other than the sender who have read this message. */
  readers(messageId: string): string[] {
    const m = this.messages().find((x) => x.id === messageId);
    if (!m || m.seq === null) return [];
    const reads = this.reads();
    const members = this.meta().members?.map((x) => x.userId) ?? [...reads.keys()];
    return members.filter((u) => u !== m.senderId && (reads.get(u) ?? 0) >= m.seq!);
  }

  readBy(messageId: string): number {
    const m = this.messages().find((x) => x.id === messageId);
    return m && m.seq !== null ? readByCount({ seq: m.seq, senderId: m.senderId }, this.meta().members, this.reads()) : 0;
  }

  /** The highest seq this device knows of. */
  lastSeq(): number {
    let max = 0;
    for (const m of this.messages()) if (m.seq !== null && m.seq > max) max = m.seq;
    return max;
  }

  /**
   * The window of newest messages is known: the document has synced with the server
   * once, or was loaded from this device's copy. Before that, `messages()` may hold
   * only a history page (it can land first), so a list placed on it would be placed
   * on the wrong rows. A `change` event follows when it turns true.
   */
  get ready(): boolean {
    return this.synced.everSynced || this.synced.hadLocalState();
  }

  get hasMore(): boolean {
    return this.more;
  }

  /**
   * One page (LIMITS.historyPageDefault) older than anything shown. Offline, the cached pages are
   * already in the list; this rejects with CONNECTION_FAILED and changes nothing.
   */
  async loadOlder(limit: number = LIMITS.historyPageDefault): Promise<{ added: number; hasMore: boolean }> {
    let oldest: number | undefined;
    for (const m of this.messages()) if (m.seq !== null && (oldest === undefined || m.seq < oldest)) oldest = m.seq;
    if (oldest === 1) {
      this.more = false;
      return { added: 0, hasMore: false };
    }
    const page = await this.host.fetchHistory(this.id, oldest, limit);
    const before = this.history.size;
    highestVersions(page.items, (m) => m.version, this.history);
    const added = this.history.size - before;
    this.more = page.hasMore;
    this.invalidate();
    this.scheduleCache();
    return { added, hasMore: page.hasMore };
  }

  /** Users typing here now, from the server-stamped identity on awareness states (never what a client claims). */
  typingUsers(): string[] {
    const awareness = this.synced.provider?.awareness;
    if (!awareness) return [];
    const ids = new Set<string>();
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID) continue;
      const user = (state as { user?: { id?: unknown }; typing?: unknown }).user;
      if ((state as { typing?: unknown }).typing === true && typeof user?.id === 'string' && user.id !== this.host.me) ids.add(user.id);
    }
    return [...ids].sort();
  }

  /** Call on every keystroke: typing starts, and stops by itself after the idle timeout (3 s). */
  setTyping(typing = true): void {
    const awareness = this.synced.provider?.awareness;
    if (this.typingTimer !== null) this.host.clock.clearTimeout(this.typingTimer);
    this.typingTimer = null;
    if (typing) this.typingTimer = this.host.clock.setTimeout(() => this.setTyping(false), this.host.typingTimeout);
    if (!awareness) return;
    if ((awareness.getLocalState() as { typing?: boolean } | null)?.typing !== typing) awareness.setLocalStateField('typing', typing);
  }

  /** Unconfirmed sends changed (outbox, results): recompute. */
  invalidate(): void {
    this.dirty = true;
    if (!this.closed) this.emit('change');
  }

  /** `keep` false: the device data is being deleted (sign-out), so the pending history save is dropped. */
  async close({ keep = true }: { keep?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.setTyping(false);
    this.closed = true;
    if (this.cacheTimer !== null) {
      this.host.clock.clearTimeout(this.cacheTimer);
      this.cacheTimer = null;
      if (keep) await this.saveCache();
    }
    await this.synced.destroy();
    this.removeAllListeners();
  }

  private get cacheKey(): string {
    return historyKey(this.host.me, this.id);
  }

  private windowList(): Message[] {
    return windowMessages(this.synced.doc).map((e) => toMessage(e, this.id));
  }

  private onDocChange(): void {
    const window = this.windowList();
    this.host.windowSeen(this.id, window);
    // Window messages go to the cache too: they leave the window as it slides, and must stay readable offline.
    this.scheduleCache();
    this.invalidate();
    const typers = this.typingUsers();
    const key = typers.join(',');
    if (key !== this.lastTypers) {
      this.lastTypers = key;
      this.emit('typing', typers);
    }
  }

  private scheduleCache(): void {
    if (this.cacheTimer !== null || this.closed) return;
    this.cacheTimer = this.host.clock.setTimeout(() => {
      this.cacheTimer = null;
      void this.saveCache();
    }, 500);
  }

  private async saveCache(): Promise<void> {
    const byId = highestVersions(this.windowList(), (m) => m.version, new Map(this.history));
    const messages = [...byId.values()].sort((a, b) => a.seq - b.seq);
    try {
      await this.host.storage.set(this.cacheKey, { messages, hasMore: this.more } satisfies CachedHistory);
    } catch (e) {
      this.host.error(e instanceof ParleyError ? e : new ParleyError('STORAGE_FAILED', String(e)));
    }
  }
}
