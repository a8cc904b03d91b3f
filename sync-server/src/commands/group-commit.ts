import type { Transaction } from 'kysely';
import type { Database, MessagesTable } from '@parley/schema/db';
import type { Command, CommandResult, SendCommand } from '@parley/schema';

export type ReadCommand = Extract<Command, { type: 'read' }>;

/** A send (without media) or a read that `decide` accepted on cached facts. */
export interface GroupItem {
  actorId: string;
  command: SendCommand | ReadCommand;
}

/** What one conversation got from a group commit. */
export interface GroupChange {
  /** New message rows, in seq order. */
  rows: MessagesTable[];
  /** Read markers moved: by user, the new last read seq. */
  reads: Record<string, number>;
}

/** The cached facts were stale (another instance changed them): the group falls back to one by one. */
export class StaleFacts extends Error {
  constructor(readonly conversationId: string) {
    super(`facts of ${conversationId} changed`);
  }
}

/**
 * Rule O12: the accepted sends and reads of one tick, across users and
 * conversations, in one transaction: per conversation one seq update for its
 * whole range, one multi-row insert of every message, one read-marker update
 * per member that sent or read, one multi-row insert of every command row.
 * Rows are locked in conversation-id order so that two instances' groups never
 * deadlock on each other. Returns each item's result (in item order) and the
 * change per conversation.
 */
export async function commitGroup(trx: Transaction<Database>, items: GroupItem[], at: number): Promise<{ results: CommandResult[]; changes: Map<string, GroupChange> }> {
  const sendsPer = new Map<string, number>();
  for (const { command } of items) if (command.type === 'send') sendsPer.set(command.conversationId, (sendsPer.get(command.conversationId) ?? 0) + 1);
  const conversations = [...new Set(items.map((i) => i.command.conversationId))].sort();

  for (const conversationId of conversations) {
    const n = sendsPer.get(conversationId);
    if (!n) continue;
    // O6 on the commit itself: a conversation closed meanwhile (on another instance) takes no message.
    const updated = await trx
      .updateTable('conversations')
      .set((eb) => ({ last_seq: eb('last_seq', '+', n), last_message_at: at }))
      .where('id', '=', conversationId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new StaleFacts(conversationId);
  }
  const seqRows = await trx.selectFrom('conversations').select(['id', 'last_seq']).where('id', 'in', conversations).execute();
  const lastSeq = new Map(seqRows.map((r) => [r.id, Number(r.last_seq)]));
  // Rule O5: the range of a conversation's n new messages ends at its new last_seq.
  const nextSeq = new Map([...sendsPer].map(([id, n]) => [id, lastSeq.get(id)! - n + 1]));

  const changes = new Map<string, GroupChange>(conversations.map((id) => [id, { rows: [], reads: {} }]));
  /** Per conversation and user: the marker to set, and whether the user must be a current member (a sender). */
  const markers = new Map<string, { conversationId: string; userId: string; seq: number; sender: boolean }>();
  const mark = (conversationId: string, userId: string, seq: number, sender: boolean) => {
    const key = `${conversationId}\u0000${userId}`;
    const marker = markers.get(key);
    if (!marker) markers.set(key, { conversationId, userId, seq, sender });
    else {
      marker.seq = Math.max(marker.seq, seq);
      marker.sender ||= sender;
    }
  };
  const results = items.map(({ actorId, command }): CommandResult => {
    const change = changes.get(command.conversationId)!;
    if (command.type === 'read') {
      const seq = Math.min(command.seq, lastSeq.get(command.conversationId) ?? 0);
      mark(command.conversationId, actorId, seq, false);
      return { id: command.id, status: 'sent', seq, conversationId: command.conversationId, at };
    }
    const seq = nextSeq.get(command.conversationId)!;
    nextSeq.set(command.conversationId, seq + 1);
    change.rows.push({
      conversation_id: command.conversationId, id: command.messageId, sender_id: actorId, kind: command.kind, text: command.text,
      media: null, reply_to: command.replyTo ?? null, system: null, created_at: at, seq, version: 1, edited_at: null, recalled_at: null, reactions: null,
    });
    // Sending implies having read everything up to one's own message.
    mark(command.conversationId, actorId, seq, true);
    return { id: command.id, status: 'sent', seq, messageId: command.messageId, conversationId: command.conversationId, at };
  });

  const rows = [...changes.values()].flatMap((c) => c.rows);
  if (rows.length) await trx.insertInto('messages').values(rows).execute();
  for (const marker of [...markers.values()].sort(byKey)) {
    const updated = await trx
      .updateTable('members')
      .set({ last_read_seq: marker.seq })
      .where('conversation_id', '=', marker.conversationId)
      .where('user_id', '=', marker.userId)
      .where('left_at', 'is', null)
      .where('last_read_seq', '<', marker.seq)
      .executeTakeFirst();
    // A sender's marker always moves (the seq is new): none means the sender left meanwhile.
    if (marker.sender && Number(updated.numUpdatedRows) !== 1) throw new StaleFacts(marker.conversationId);
    changes.get(marker.conversationId)!.reads[marker.userId] = marker.seq;
  }
  // Rule O4: the unique key on commands.id (and on messages.id) catches a command answered before; the whole group then rolls back.
  await trx.insertInto('commands').values(items.map(({ actorId }, i) => ({
    id: results[i]!.id, user_id: actorId, result: JSON.stringify(results[i]), created_at: at,
  }))).execute();
  return { results, changes };
}

const byKey = (a: { conversationId: string; userId: string }, b: { conversationId: string; userId: string }) =>
  a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
