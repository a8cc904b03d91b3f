import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';

/**
 * The current members of a conversation: its `members` rows whose membership
 * has not ended (rule A3). Every question of "who is in it" starts here; a
 * transaction is a Kysely too.
 */
export function currentMembers(db: Kysely<Database>, conversationId: string) {
  return db.selectFrom('members as mb').where('mb.conversation_id', '=', conversationId).where('mb.left_at', 'is', null);
}
