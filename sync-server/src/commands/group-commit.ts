import { sql, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database, Dialect, MessagesTable } from '@parley/schema/db';
import type { Command, CommandResult, SendCommand } from '@parley/schema';
import { caseOf } from '../index/case.ts';
import { affected, type Guard, type Step } from '../index/pipeline.ts';

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
  constructor(readonly conversationIds: string[]) {
    super(`facts of ${conversationIds.join(', ')} changed`);
  }
}

/**
 * Rule O12: the accepted sends and reads of one tick, across users and
 * conversations, in one transaction of a fixed number of statements, whatever
 * its size: one update moves every conversation's seq by its whole range, one
 * multi-row insert writes every message, one update moves the senders' read
 * markers and one the readers', one multi-row insert writes every command row.
 * A statement per conversation or per member would be a round trip each inside
 * the transaction, and a group of hundreds would hold its locks for as many.
 * Each statement locks its rows in primary-key order (conversations, then
 * members by conversation id), so two instances' groups never deadlock on each
 * other.
 *
 * Rule O15: with `known` (the last seq of every conversation, as this instance
 * committed it) the whole transaction is one step: the seq update requires the
 * known seqs, and guards check that it moved every conversation (none closed,
 * none moved by anyone else) and every sender's marker (none left); a read
 * beyond a known seq needs the stored one and takes the other way. Without,
 * two steps: the seq update, its read-back and the locked read of the senders'
 * memberships, then the rest with the commit. A failed guard rejects with
 * GuardFailed and the transaction rolls back. Returns each item's result (in
 * item order), the change per conversation and each conversation's last seq.
 */
export async function commitGroup(
  db: Kysely<Database>,
  dialect: Dialect,
  step: Step,
  items: GroupItem[],
  at: number,
  known: ReadonlyMap<string, number> | null = null,
): Promise<{ results: CommandResult[]; changes: Map<string, GroupChange>; lastSeqs: Map<string, number> }> {
  const sendsPer = new Map<string, number>();
  for (const { command } of items) if (command.type === 'send') sendsPer.set(command.conversationId, (sendsPer.get(command.conversationId) ?? 0) + 1);
  const conversations = [...new Set(items.map((i) => i.command.conversationId))].sort();
  const sending = [...sendsPer.keys()];
  const senders = [...new Map(items.flatMap(({ actorId, command }) =>
    command.type === 'send' ? [[`${command.conversationId}\u0000${actorId}`, { conversationId: command.conversationId, userId: actorId }] as const] : [])).values()];

  const moveSeqs = db
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', caseOf(sending.map((id) => [sql`${sql.ref('id')} = ${id}`, sendsPer.get(id)!]))), last_message_at: at }))
    .where('id', 'in', sending)
    // O6 on the commit itself: a conversation closed meanwhile (on another instance) takes no message.
    .where('status', '=', 'active');
  const oneStep = known !== null && items.every(({ command }) =>
    command.type === 'send' || command.seq <= known.get(command.conversationId)! + (sendsPer.get(command.conversationId) ?? 0));
  const lastSeq = new Map<string, number>();
  const first: Array<Compilable | Guard> = [];
  if (oneStep) {
    for (const id of conversations) lastSeq.set(id, known.get(id)! + (sendsPer.get(id) ?? 0));
    if (sending.length) first.push(moveSeqs.where('last_seq', '=', caseOf(sending.map((id) => [sql`${sql.ref('id')} = ${id}`, known.get(id)!]))), affected(sending.length));
  } else {
    const readSeqs = db.selectFrom('conversations').select(['id', 'last_seq']).where('id', 'in', conversations);
    let seqRows: QueryResult<unknown>;
    if (sending.length === 0) [seqRows] = (await step([readSeqs])) as [QueryResult<unknown>];
    else {
      // O13 on the commit itself: a sender who left meanwhile takes no message. The rows stay
      // locked until the commit, so the second step's marker update finds every one of them.
      const current = db.selectFrom('members').select('user_id')
        .where('conversation_id', 'in', sending)
        .where('left_at', 'is', null)
        .where((eb) => eb.or(senders.map((m) => eb.and([eb('conversation_id', '=', m.conversationId), eb('user_id', '=', m.userId)]))));
      const [moved, read, members] = (await step([moveSeqs, readSeqs, dialect === 'mysql' ? current.forUpdate() : current])) as [QueryResult<unknown>, QueryResult<unknown>, QueryResult<unknown>];
      if (Number(moved.numAffectedRows) !== sending.length) throw new StaleFacts(await closed(db, step, sending));
      if (members.rows.length !== senders.length) throw new StaleFacts(sending);
      seqRows = read;
    }
    for (const r of seqRows.rows as Array<{ id: string; last_seq: number }>) lastSeq.set(r.id, Number(r.last_seq));
  }
  // Rule O5: the range of a conversation's n new messages ends at its new last_seq.
  const nextSeq = new Map([...sendsPer].map(([id, n]) => [id, lastSeq.get(id)! - n + 1]));

  const changes = new Map<string, GroupChange>(conversations.map((id) => [id, { rows: [], reads: {} }]));
  /** Per conversation and user: the marker to set, and whether the user sent (their marker always moves). */
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
  const all = [...markers.values()];
  for (const marker of all) changes.get(marker.conversationId)!.reads[marker.userId] = marker.seq;
  // Rule O4: the unique key on commands.id (and on messages.id) catches a command answered before; the whole group then rolls back.
  const sent = all.filter((m) => m.sender);
  const read = all.filter((m) => !m.sender);
  await step([
    ...first,
    ...(rows.length ? [db.insertInto('messages').values(rows)] : []),
    // The senders' markers, then the readers': a marker moves only forward (a sender's always
    // does, its seq is new, so in one step every current sender's row is affected).
    ...(sent.length ? [moveMarkers(db, sent), ...(oneStep ? [affected(sent.length)] : [])] : []),
    ...(read.length ? [moveMarkers(db, read)] : []),
    db.insertInto('commands').values(items.map(({ actorId }, i) => ({
      id: results[i]!.id, user_id: actorId, result: JSON.stringify(results[i]), created_at: at,
    }))),
  ], { commit: true });
  return { results, changes, lastSeqs: lastSeq };
}

/**
 * Moves each member's read marker to its seq, if it is a current member and the
 * marker is behind it, in one statement. Rows are found by conversation id (the
 * primary key's prefix) and matched to their marker by the case, which is null,
 * and so matches nothing, for any other member.
 */
function moveMarkers(db: Kysely<Database>, markers: Array<{ conversationId: string; userId: string; seq: number }>) {
  const target = caseOf(markers.map((m) => [sql`${sql.ref('conversation_id')} = ${m.conversationId} and ${sql.ref('user_id')} = ${m.userId}`, m.seq]));
  return db
    .updateTable('members')
    .set({ last_read_seq: target })
    .where('conversation_id', 'in', [...new Set(markers.map((m) => m.conversationId))])
    .where('left_at', 'is', null)
    .where('last_read_seq', '<', target);
}

/** Which of `ids` no longer take messages (closed on another instance since their facts were cached). */
async function closed(db: Kysely<Database>, step: Step, ids: string[]): Promise<string[]> {
  const [active] = await step([db.selectFrom('conversations').select('id').where('id', 'in', ids).where('status', '=', 'active')]);
  const open = new Set((active!.rows as Array<{ id: string }>).map((r) => r.id));
  return ids.filter((id) => !open.has(id));
}
