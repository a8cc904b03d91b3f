import type { Hocuspocus } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type * as Y from 'yjs';
import type { Database } from '@parley/schema/db';
import { keyValue, userDocName, userParts, type ConversationSummary, type InboxEntry } from '@parley/schema';
import type { InboxChange, InboxFollower, InboxNotifier } from '../services.ts';
import { conversationSummaries } from '../index/conversations.ts';
import { SERVER_ORIGIN } from '../documents/hub.ts';
import { writeAs, writeSoon } from '../documents/writers.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../cluster/bus.ts';

/**
 * The inbox of each connected user (rule I1): per conversation the last
 * message and the unread count, kept live in the user document. Rebuilt from
 * the index whenever the document loads; refreshed after every change. The
 * numbers are the conversation list's (GET /api/conversations), one query for both.
 */
export class Inbox implements InboxNotifier, InboxFollower {
  private instance: Hocuspocus | null = null;
  /** Per user: conversations waiting to be refreshed, and who waits for them. */
  private readonly queued = new Map<string, { conversations: Set<string>; waiters: Array<() => void>; timer: NodeJS.Timeout }>();
  /** Per user: changes held back by the follow window (rule I3). */
  private readonly following = new Map<string, Following>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly bus: Bus,
    /** A burst of messages costs one refresh per user per window, not one per message. */
    private readonly windowMs = 30,
    /** Rule I3: a user's inbox moves at once, then at most once per this window while changes keep coming. */
    private readonly followWindowMs = FOLLOW_WINDOW_MS,
  ) {
    // A member's user document may be loaded on another instance.
    bus.subscribe('inbox', ({ conversationId, userIds }: { conversationId: string; userIds: string[] }, from) => {
      if (from !== bus.instance) void this.refreshHere(conversationId, userIds);
    });
    bus.subscribe(FOLLOW_TOPIC, ({ conversationId, userIds, change }: { conversationId: string; userIds: string[]; change: InboxChange }, from) => {
      if (from !== bus.instance) void this.followHere(conversationId, userIds, change);
    });
  }

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  /** Refreshes wherever the users' documents are loaded; resolves when this instance's are done. */
  refresh(conversationId: string, userIds: string[]): Promise<void> {
    this.bus.publish('inbox', { conversationId, userIds });
    return this.refreshHere(conversationId, userIds);
  }

  /** Rule I2: wherever the users' documents are loaded. */
  follow(conversationId: string, userIds: string[], change: InboxChange): Promise<void> {
    this.bus.publish(FOLLOW_TOPIC, { conversationId, userIds, change });
    return this.followHere(conversationId, userIds, change);
  }

  /**
   * Rule I2: an entry that has every message before the new ones moves on by
   * them (and by the reads) in memory; any other entry (none yet, a gap, a read
   * marker that lands among messages already counted) is refreshed from the index.
   * Rule I3: each user's changes wait for their window, if one is open.
   */
  private followHere(conversationId: string, userIds: string[], change: InboxChange): Promise<void> {
    const moving: Array<Promise<void>> = [];
    for (const userId of new Set(userIds)) {
      if (!this.instance?.documents.has(userDocName(userId))) continue;
      let state = this.following.get(userId);
      if (!state) {
        state = { changes: new Map(), timer: null, waiters: [] };
        this.following.set(userId, state);
      }
      const changes = state.changes.get(conversationId);
      if (changes) changes.push(change);
      else state.changes.set(conversationId, [change]);
      const target = state;
      moving.push(new Promise((resolve) => target.waiters.push(resolve)));
      // No window open: the first change moves at once; one open takes it at its end,
      // unless the user sent or read themself (their own screen is waiting for it).
      if (!state.timer || change.reads[userId] !== undefined) this.move(userId, state);
    }
    return Promise.all(moving).then(() => undefined);
  }

  /**
   * Rule I3: applies a user's held-back changes in one update of their inbox;
   * an entry that cannot follow (I2) is refreshed from the index instead.
   */
  private move(userId: string, state: Following) {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    const { changes, waiters } = state;
    state.changes = new Map();
    state.waiters = [];
    if (changes.size === 0) {
      // A whole window with nothing to move: the next change moves at once again.
      this.following.delete(userId);
      return;
    }
    // Keeps the user's window open: a change arriving within it waits for the next move.
    state.timer = setTimeout(() => this.move(userId, state), this.followWindowMs);
    state.timer.unref();
    const doc = this.instance?.documents.get(userDocName(userId));
    const refreshing: Array<Promise<void>> = [];
    if (doc) {
      const kv = keyValue(userParts(doc).inbox);
      const entries = new Map<string, InboxEntry>();
      for (const [conversationId, list] of changes) {
        let entry = kv.get(conversationId) as InboxEntry | undefined;
        for (const change of list) entry = advance(entry, userId, change) ?? undefined;
        if (entry) entries.set(conversationId, entry);
        else refreshing.push(this.refreshHere(conversationId, [userId]));
      }
      if (entries.size) {
        refreshing.push(write(doc, entries).catch((error) => this.log.error({ err: error, userId }, 'inbox follow failed')));
      }
    }
    void Promise.all(refreshing).then(() => waiters.forEach((resolve) => resolve()));
  }

  private refreshHere(conversationId: string, userIds: string[]): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const userId of new Set(userIds)) {
      if (!this.instance?.documents.has(userDocName(userId))) continue;
      let entry = this.queued.get(userId);
      if (!entry) {
        const created = { conversations: new Set<string>(), waiters: [] as Array<() => void>, timer: setTimeout(() => void this.flush(userId, created), this.windowMs) };
        entry = created;
        this.queued.set(userId, entry);
      }
      entry.conversations.add(conversationId);
      const target = entry;
      waits.push(new Promise((resolve) => target.waiters.push(resolve)));
    }
    return Promise.all(waits).then(() => undefined);
  }

  private async flush(userId: string, entry: { conversations: Set<string>; waiters: Array<() => void> }) {
    this.queued.delete(userId);
    try {
      const doc = this.instance?.documents.get(userDocName(userId));
      if (!doc) return;
      const ids = [...entry.conversations];
      // Many conversations at once: one listing beats a query per conversation.
      if (ids.length > 4) {
        await this.rebuild(userId, doc);
        return;
      }
      for (const conversationId of ids) {
        const [summary] = await conversationSummaries(this.db, userId, () => false, conversationId);
        await write(doc, new Map([[conversationId, summary ? toEntry(summary) : null]]));
      }
    } catch (error) {
      this.log.error({ err: error, userId }, 'inbox refresh failed');
    } finally {
      entry.waiters.forEach((resolve) => resolve());
    }
  }

  /** All of a user's conversations; keys for conversations the user left are removed. */
  async rebuild(userId: string, doc: Y.Doc): Promise<void> {
    const summaries = await conversationSummaries(this.db, userId, () => false);
    const entries = new Map<string, InboxEntry | null>(summaries.map((s) => [s.id, toEntry(s)]));
    for (const { key } of userParts(doc).inbox.toArray()) if (!entries.has(key)) entries.set(key, null);
    // A user in no conversation has nothing to write, and so no key/value view to keep.
    if (entries.size) await write(doc, entries);
  }

  /** Refreshes still waiting run now (shutdown). */
  async close() {
    for (const [userId, state] of this.following) {
      this.move(userId, state);
      if (state.timer) clearTimeout(state.timer);
    }
    this.following.clear();
    await Promise.all([...this.queued.entries()].map(([userId, entry]) => {
      clearTimeout(entry.timer);
      return this.flush(userId, entry);
    }));
  }
}

const FOLLOW_TOPIC = 'inboxFollow';
/** Rule I3. */
const FOLLOW_WINDOW_MS = 1000;

interface Following {
  /** By conversation, in arrival order. */
  changes: Map<string, InboxChange[]>;
  /** Set while the user's window is open. */
  timer: NodeJS.Timeout | null;
  waiters: Array<() => void>;
}

/** Rule I2: the entry after `change`, or null when it cannot be known without the index. */
export function advance(entry: InboxEntry | undefined, userId: string, change: InboxChange): InboxEntry | null {
  if (!entry) return null;
  const first = change.messages[0];
  const last = change.messages.at(-1);
  // A refresh that read the index after the commit counted these messages already; only the reads may be new.
  const counted = last !== undefined && last.seq <= entry.lastSeq;
  if (first && !counted && first.seq !== entry.lastSeq + 1) return null;
  let { readSeq, unreadCount } = entry;
  const read = change.reads[userId];
  if (read !== undefined && read > readSeq) {
    // Which of the counted messages the new marker covers is known only when it covers them all.
    if (read < entry.lastSeq) return null;
    readSeq = read;
    unreadCount = 0;
  }
  if (!last || counted) return { ...entry, readSeq, unreadCount };
  for (const m of change.messages) if (m.seq > readSeq && m.senderId !== userId && m.kind !== 'system') unreadCount++;
  return { ...entry, lastMessage: last, lastSeq: last.seq, readSeq, unreadCount, updatedAt: last.createdAt };
}

function toEntry(summary: ConversationSummary): InboxEntry {
  return {
    conversationId: summary.id,
    lastMessage: summary.lastMessage,
    unreadCount: summary.unreadCount,
    lastSeq: summary.lastSeq,
    readSeq: summary.readSeq,
    updatedAt: summary.lastMessage?.createdAt ?? summary.createdAt,
  };
}

/** Rule O16: joins the other server writes of this turn to the user document (the sender's result). */
function write(doc: Y.Doc, entries: Map<string, InboxEntry | null>): Promise<void> {
  const kv = keyValue(userParts(doc).inbox);
  return writeSoon(doc, SERVER_ORIGIN, () => writeAs(doc, 'inbox', () => {
    for (const [conversationId, entry] of entries) {
      const current = kv.get(conversationId) as InboxEntry | undefined;
      if (entry === null) {
        if (kv.has(conversationId)) kv.delete(conversationId);
      } else if (current && current.lastSeq > entry.lastSeq) {
        // Rule I2: a query that read the index before a group commit does not take back what the commit's own update wrote.
        continue;
      } else if (!sameEntry(current, entry)) {
        kv.set(conversationId, entry);
      }
    }
  }));
}

/** Entries that say the same need no write: a message's content is fixed by its id and version. */
function sameEntry(current: InboxEntry | undefined, entry: InboxEntry): boolean {
  if (!current) return false;
  const a = current.lastMessage;
  const b = entry.lastMessage;
  return current.lastSeq === entry.lastSeq && current.readSeq === entry.readSeq && current.unreadCount === entry.unreadCount
    && current.updatedAt === entry.updatedAt && a?.id === b?.id && a?.version === b?.version;
}
