import type { Kysely, Selectable } from 'kysely';
import type { Database, UploadsTable } from '@parley/schema/db';

/**
 * The media-server's reads and writes of the index: the same database as the
 * sync-server's (one DATABASE_URL / PARLEY_DATA_DIR). It never writes anything
 * but `uploads`.
 */

export type UploadRow = Selectable<UploadsTable>;

export type ConversationState = 'active' | 'expired' | 'closed' | 'unknown';

/** The conversation's state as a sender sees it: an active conversation past its expiry reads as expired. */
export async function conversationState(db: Kysely<Database>, conversationId: string, now = Date.now()): Promise<ConversationState> {
  const row = await db.selectFrom('conversations').select(['status', 'expires_at']).where('id', '=', conversationId).executeTakeFirst();
  if (!row) return 'unknown';
  if (row.status === 'active' && row.expires_at != null && Number(row.expires_at) <= now) return 'expired';
  return row.status;
}

/** True while the user is a current member (a member who left is not). Checked on every request. */
export async function isMember(db: Kysely<Database>, conversationId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('members')
    .select('user_id')
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('left_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findUpload(db: Kysely<Database>, id: string): Promise<UploadRow | undefined> {
  const row = await db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? { ...row, size: Number(row.size), uploaded: Number(row.uploaded), created_at: Number(row.created_at) } : undefined;
}

/** Unfinished uploads created before `before`. */
export async function expiredUploads(db: Kysely<Database>, before: number): Promise<string[]> {
  const rows = await db.selectFrom('uploads').select('id').where('status', '=', 'pending').where('created_at', '<', before).execute();
  return rows.map((r) => r.id);
}
