import type { Kysely, Transaction } from 'kysely';
import type { Database, MessagesTable } from '@parley/schema/db';
import { LIMITS, type Media, type Message, type MessageEntry, type MessageKind, type ReplyPreview, type SystemEvent } from '@parley/schema';

type Db = Kysely<Database> | Transaction<Database>;

export type NewMessage = Omit<MessagesTable, 'seq' | 'version' | 'edited_at' | 'recalled_at' | 'reactions'>;

/**
 * Rule O5: seq is assigned by the database, in the transaction that writes the
 * index row. The conversation row lock serialises writers on MySQL; SQLite has one writer.
 */
export async function appendMessage(trx: Transaction<Database>, message: NewMessage): Promise<number> {
  await trx
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: message.created_at }))
    .where('id', '=', message.conversation_id)
    .execute();
  const { last_seq } = await trx
    .selectFrom('conversations')
    .select('last_seq')
    .where('id', '=', message.conversation_id)
    .executeTakeFirstOrThrow();
  const seq = Number(last_seq);
  await trx.insertInto('messages').values({ ...message, seq, version: 1 }).execute();
  return seq;
}

type Row = MessagesTable;

/** Text shown for a recalled message: none. The row keeps it for moderation only. */
export function rowToEntry(row: Row, reply?: Row | null): MessageEntry {
  const entry: MessageEntry = {
    id: row.id,
    seq: Number(row.seq),
    v: Number(row.version),
    senderId: row.sender_id,
    kind: row.kind as MessageKind,
    text: row.recalled_at ? '' : row.text,
    createdAt: Number(row.created_at),
  };
  if (row.media && !row.recalled_at) entry.media = JSON.parse(row.media) as Media;
  if (row.system) entry.system = JSON.parse(row.system) as SystemEvent;
  if (row.reactions) {
    const reactions = JSON.parse(row.reactions) as Record<string, string[]>;
    if (Object.keys(reactions).length > 0) entry.reactions = reactions;
  }
  if (row.edited_at) entry.editedAt = Number(row.edited_at);
  if (row.recalled_at) entry.recalledAt = Number(row.recalled_at);
  if (reply) entry.replyTo = replyPreview(reply);
  return entry;
}

export function replyPreview(row: Row): ReplyPreview {
  return {
    id: row.id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    kind: row.kind as MessageKind,
    text: row.recalled_at ? '' : row.text.slice(0, LIMITS.replyPreviewLength),
  };
}

export function rowToMessage(row: Row, reply?: Row | null): Message {
  const { v, ...rest } = rowToEntry(row, reply);
  return { ...rest, conversationId: row.conversation_id, version: v };
}

/** Rows with their reply targets, loaded in one extra query. */
export async function withReplies(db: Db, rows: Row[]): Promise<Array<[Row, Row | null]>> {
  const ids = [...new Set(rows.map((r) => r.reply_to).filter((id): id is string => !!id))];
  const replies = ids.length ? await db.selectFrom('messages').selectAll().where('id', 'in', ids).execute() : [];
  const byId = new Map(replies.map((r) => [r.id, r]));
  return rows.map((r) => [r, r.reply_to ? (byId.get(r.reply_to) ?? null) : null]);
}
