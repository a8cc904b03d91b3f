import type { Hocuspocus } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type * as Y from 'yjs';
import type { Database } from '@parley/schema/db';
import { keyValue, userDocName, userParts, type ConversationSummary, type InboxEntry } from '@parley/schema';
import type { InboxNotifier } from '../services.ts';
import { conversationSummaries } from '../index/conversations.ts';
import { SERVER_ORIGIN } from '../documents/hub.ts';

/**
 * The inbox of each connected user (rule I1): per conversation the last
 * message and the unread count, kept live in the user document. Rebuilt from
 * the index whenever the document loads; refreshed after every change. The
 * numbers are the conversation list's (GET /api/conversations), one query for both.
 */
export class Inbox implements InboxNotifier {
  private instance: Hocuspocus | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  async refresh(conversationId: string, userIds: string[]): Promise<void> {
    for (const userId of new Set(userIds)) {
      const doc = this.instance?.documents.get(userDocName(userId));
      if (!doc) continue;
      const [summary] = await conversationSummaries(this.db, userId, () => false, conversationId);
      write(doc, new Map([[conversationId, summary ? toEntry(summary) : null]]));
    }
  }

  /** All of a user's conversations; keys for conversations the user left are removed. */
  async rebuild(userId: string, doc: Y.Doc): Promise<void> {
    const summaries = await conversationSummaries(this.db, userId, () => false);
    const entries = new Map<string, InboxEntry | null>(summaries.map((s) => [s.id, toEntry(s)]));
    for (const { key } of userParts(doc).inbox.toArray()) if (!entries.has(key)) entries.set(key, null);
    write(doc, entries);
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
  doc.transact(() => {
    for (const [conversationId, entry] of entries) {
      if (entry === null) {
        if (kv.has(conversationId)) kv.delete(conversationId);
      } else if (JSON.stringify(kv.get(conversationId)) !== JSON.stringify(entry)) {
        kv.set(conversationId, entry);
      }
    }
  }, SERVER_ORIGIN);
}
