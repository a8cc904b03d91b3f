import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@parley/schema/db';
import type { HistoryPage } from '@parley/schema';
import { rowToMessage, withReplies } from './messages.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * One page of a conversation's history: the `limit` messages just below
 * `before` (the newest when absent), returned oldest first. Seq is dense and
 * total per conversation, so paging by it never skips or repeats a message.
 */
export async function historyPage(db: Db, conversationId: string, options: { before?: number | undefined; limit: number }): Promise<HistoryPage> {
  let query = db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
  if (options.before !== undefined) query = query.where('seq', '<', options.before);
  const rows = await query.orderBy('seq', 'desc').limit(options.limit + 1).execute();
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit).reverse();
  const items = (await withReplies(db, page)).map(([row, reply]) => rowToMessage(row, reply));
  return { items, hasMore };
}
