import type { Hocuspocus } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type * as Y from 'yjs';
import type { Database } from '@parley/schema/db';
import { keyValue, userDocName, userParts, type InboxEntry } from '@parley/schema';
import type { InboxNotifier } from '../services.ts';
import { rowToMessage, withReplies } from '../index/messages.ts';
import { SERVER_ORIGIN } from '../documents/hub.ts';

/**
 * The inbox of each connected user (rule I1): per conversation the last
 * message and the unread count, kept live in the user document. Rebuilt from
 * the index whenever the document loads; refreshed after every change.
 */
export class Inbox implements InboxNotifier {
  private instance: Hocuspocus | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  async refresh(conversationId: string, userIds: string[]): Promise<void> {
    const loaded = userIds
      .map((userId) => ({ userId, doc: this.instance?.documents.get(userDocName(userId)) }))
      .filter((x): x is { userId: string; doc: NonNullable<typeof x.doc> } => !!x.doc);
    if (loaded.length === 0) return;
    const entries = await this.entries(conversationId, loaded.map((l) => l.userId));
    for (const { userId, doc } of loaded) write(doc, new Map([[conversationId, entries.get(userId) ?? null]]));
  }

  /** All of a user's conversations; keys for conversations the user left are removed. */
  async rebuild(userId: string, doc: Y.Doc): Promise<void> {
    const memberships = await this.db
      .selectFrom('members')
      .select('conversation_id')
      .where('user_id', '=', userId)
      .where('left_at', 'is', null)
      .execute();
    const entries = new Map<string, InboxEntry | null>();
    for (const { conversation_id } of memberships) {
      entries.set(conversation_id, (await this.entries(conversation_id, [userId])).get(userId) ?? null);
    }
    for (const { key } of userParts(doc).inbox.toArray()) if (!entries.has(key)) entries.set(key, null);
    write(doc, entries);
  }

  private async entries(conversationId: string, userIds: string[]): Promise<Map<string, InboxEntry>> {
    const members = await this.db
      .selectFrom('members')
      .select(['user_id', 'last_read_seq'])
      .where('conversation_id', '=', conversationId)
      .where('user_id', 'in', userIds)
      .where('left_at', 'is', null)
      .execute();
    if (members.length === 0) return new Map();
    const last = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('seq', 'desc')
      .limit(1)
      .execute();
    const [pair] = await withReplies(this.db, last);
    const lastMessage = pair ? rowToMessage(pair[0], pair[1]) : null;
    const result = new Map<string, InboxEntry>();
    for (const m of members) {
      const readSeq = Number(m.last_read_seq);
      const unread = await this.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('conversation_id', '=', conversationId)
        .where('seq', '>', readSeq)
        .where('sender_id', '!=', m.user_id)
        .executeTakeFirst();
      result.set(m.user_id, {
        conversationId,
        lastMessage,
        unreadCount: Number(unread?.n ?? 0),
        lastSeq: lastMessage?.seq ?? 0,
        readSeq,
        updatedAt: lastMessage?.createdAt ?? 0,
      });
    }
    return result;
  }
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
