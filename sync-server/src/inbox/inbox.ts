import type { Hocuspocus } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type * as Y from 'yjs';
import type { Database } from '@parley/schema/db';
import { keyValue, userDocName, userParts, type ConversationSummary, type InboxEntry } from '@parley/schema';
import type { InboxNotifier } from '../services.ts';
import { conversationSummaries } from '../index/conversations.ts';
import { SERVER_ORIGIN } from '../documents/hub.ts';
import { writeAs } from '../documents/writers.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../cluster/bus.ts';

/**
 * The inbox of each connected user (rule I1): per conversation the last
 * message and the unread count, kept live in the user document. Rebuilt from
 * the index whenever the document loads; refreshed after every change. The
 * numbers are the conversation list's (GET /api/conversations), one query for both.
 */
export class Inbox implements InboxNotifier {
  private instance: Hocuspocus | null = null;
  /** Per user: conversations waiting to be refreshed, and who waits for them. */
  private readonly queued = new Map<string, { conversations: Set<string>; waiters: Array<() => void>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly bus: Bus,
    /** A burst of messages costs one refresh per user per window, not one per message. */
    private readonly windowMs = 30,
  ) {
    // A member's user document may be loaded on another instance.
    bus.subscribe('inbox', ({ conversationId, userIds }: { conversationId: string; userIds: string[] }, from) => {
      if (from !== bus.instance) void this.refreshHere(conversationId, userIds);
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
        write(doc, new Map([[conversationId, summary ? toEntry(summary) : null]]));
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
    write(doc, entries);
  }

  /** Refreshes still waiting run now (shutdown). */
  async close() {
    await Promise.all([...this.queued.entries()].map(([userId, entry]) => {
      clearTimeout(entry.timer);
      return this.flush(userId, entry);
    }));
  }
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

function write(doc: Y.Doc, entries: Map<string, InboxEntry | null>) {
  const kv = keyValue(userParts(doc).inbox);
  doc.transact(() => writeAs(doc, 'inbox', () => {
    for (const [conversationId, entry] of entries) {
      if (entry === null) {
        if (kv.has(conversationId)) kv.delete(conversationId);
      } else if (JSON.stringify(kv.get(conversationId)) !== JSON.stringify(entry)) {
        kv.set(conversationId, entry);
      }
    }
  }), SERVER_ORIGIN);
}
