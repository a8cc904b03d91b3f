import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import type { ConversationMeta, MessageEntry } from '@parley/schema';
import { currentMembers } from './members.ts';
import { rowToEntry, withReplies } from './messages.ts';

/** Reads from the index what a conversation document projects (docs/protocol.md, D2). */

export async function loadMeta(db: Kysely<Database>, conversationId: string): Promise<ConversationMeta | null> {
  const row = await db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirst();
  if (!row) return null;
  const members = await currentMembers(db, conversationId).select(['mb.user_id', 'mb.role']).orderBy('mb.joined_at').orderBy('mb.user_id').execute();
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    avatarUrl: row.avatar_url,
    members: members.map((m) => ({ userId: m.user_id, role: m.role })),
    status: effectiveStatus(row),
    context:
      row.type === 'context' && row.context_kind && row.context_ref && row.buyer_id && row.seller_id
        ? { kind: row.context_kind, ref: row.context_ref, buyerId: row.buyer_id, sellerId: row.seller_id }
        : null,
    expiresAt: row.expires_at == null ? null : Number(row.expires_at),
  };
}

/** An active conversation past its expiry reads as expired. */
export function effectiveStatus(row: { status: ConversationMeta['status']; expires_at: number | null }, now = Date.now()) {
  if (row.status === 'active' && row.expires_at != null && Number(row.expires_at) <= now) return 'expired' as const;
  return row.status;
}

export async function loadReads(db: Kysely<Database>, conversationId: string): Promise<Record<string, number>> {
  const rows = await currentMembers(db, conversationId).select(['mb.user_id', 'mb.last_read_seq']).execute();
  return Object.fromEntries(rows.map((r) => [r.user_id, Number(r.last_read_seq)]));
}

/** The newest `size` messages, oldest first. */
export async function loadWindow(db: Kysely<Database>, conversationId: string, size: number): Promise<MessageEntry[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('seq', 'desc')
    .limit(size)
    .execute();
  rows.reverse();
  return (await withReplies(db, rows)).map(([row, reply]) => rowToEntry(row, reply));
}

export async function loadEntries(db: Kysely<Database>, ids: string[]): Promise<MessageEntry[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('messages').selectAll().where('id', 'in', ids).execute();
  return (await withReplies(db, rows)).map(([row, reply]) => rowToEntry(row, reply));
}

/** Versions of the window's messages, for the load-time check (rule E3). */
export async function windowVersions(db: Kysely<Database>, conversationId: string, size: number) {
  const rows = await db
    .selectFrom('messages')
    .select(['id', 'version'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq', 'desc')
    .limit(size)
    .execute();
  return rows.map((r) => ({ id: r.id, v: Number(r.version) }));
}
