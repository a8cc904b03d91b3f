import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, MessagesTable } from '@parley/schema/db';

/**
 * History written straight into the index, in big batched transactions, the
 * way a migration or an import would: 100,000 send commands would measure the
 * write path for minutes, while what is measured with this history is the open
 * path. `conversations.last_seq` follows, so the server's window is built from
 * these rows when the document loads next.
 */
export async function seedHistory(
  db: Kysely<Database>,
  conversationId: string,
  senderIds: string[],
  count: number,
  options: { rowsPerInsert?: number; rowsPerTransaction?: number } = {},
): Promise<{ ms: number; lastSeq: number }> {
  const perInsert = options.rowsPerInsert ?? 1000;
  const perTransaction = options.rowsPerTransaction ?? 20_000;
  const started = performance.now();
  const row = await db.selectFrom('conversations').select('last_seq').where('id', '=', conversationId).executeTakeFirstOrThrow();
  const first = Number(row.last_seq) + 1;
  const last = first + count - 1;
  const t0 = Date.now() - count * 1000;
  for (let from = first; from <= last; from += perTransaction) {
    const to = Math.min(last, from + perTransaction - 1);
    await db.transaction().execute(async (trx) => {
      for (let s = from; s <= to; s += perInsert) {
        const rows: MessagesTable[] = [];
        for (let seq = s; seq <= Math.min(to, s + perInsert - 1); seq++) {
          rows.push({
            conversation_id: conversationId,
            seq,
            id: randomUUID(),
            sender_id: senderIds[seq % senderIds.length]!,
            kind: 'text',
            text: `history message ${seq}: the quick brown fox jumps over the lazy dog`,
            media: null,
            reply_to: null,
            system: null,
            reactions: null,
            version: 1,
            edited_at: null,
            recalled_at: null,
            created_at: t0 + (seq - first) * 1000,
          });
        }
        await trx.insertInto('messages').values(rows).execute();
      }
    });
  }
  await db
    .updateTable('conversations')
    .set({ last_seq: last, last_message_at: t0 + (last - first) * 1000 })
    .where('id', '=', conversationId)
    .execute();
  return { ms: performance.now() - started, lastSeq: last };
}
