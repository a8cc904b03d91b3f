import { v7 as uuidv7 } from 'uuid';
import type { Kysely, Transaction } from 'kysely';
import type { ConversationsTable, Database, MembersTable } from '@parley/schema/db';
import { ParleyError, type ConversationDetail, type ConversationSummary, type Member, type Role, type SystemEvent, type User } from '@parley/schema';
import { currentMembers } from './members.ts';
import { appendMessage, rowToMessage, withReplies } from './messages.ts';
import { isUniqueViolation, retryDeadlock } from './errors.ts';
import { toUser } from './users.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A user with whether they are connected now (presence), as list answers show them. */
export type Online<T extends User> = T & { online: boolean };
export type IsOnline = (userId: string) => boolean;

export interface NewConversation {
  type: ConversationsTable['type'];
  title: string | null;
  creatorId: string;
  members: Array<{ userId: string; role: Role }>;
  directKey?: string;
  context?: { kind: string; ref: string; buyerId: string; sellerId: string; key: string };
  expiresAt?: number | null;
}

/** `a:b` with the two ids sorted: the same pair gives the same key whoever asks. */
export function directKey(a: string, b: string): string {
  return [a, b].sort().join(':');
}

/** kind:ref:buyer:seller. Ids and kinds hold no ':', so a ref that does stays unambiguous. */
export function contextKey(kind: string, ref: string, buyerId: string, sellerId: string): string {
  return `${kind}:${ref}:${buyerId}:${sellerId}`;
}

/**
 * Get-or-create for conversations with a unique key (direct, context). Two
 * concurrent callers both miss the lookup; the loser's insert hits the unique
 * key, rolls back whole, and it answers with the winner's conversation.
 */
export async function getOrCreate(db: Kysely<Database>, input: NewConversation): Promise<{ id: string; created: boolean }> {
  const column = input.directKey !== undefined ? 'direct_key' : 'context_key';
  const key = input.directKey ?? input.context?.key;
  if (key === undefined) throw new Error('getOrCreate needs a direct or context key');
  const find = async () =>
    (await db.selectFrom('conversations').select('id').where(column, '=', key).executeTakeFirst())?.id;

  const existing = await find();
  if (existing) return { id: existing, created: false };
  try {
    return { id: await createConversation(db, input), created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await find();
    if (!winner) throw error;
    return { id: winner, created: false };
  }
}

/**
 * The conversation row, its member rows and the `created` system message, in
 * one transaction: a reader sees all of it or none.
 */
export async function createConversation(db: Kysely<Database>, input: NewConversation): Promise<string> {
  const id = uuidv7();
  const now = Date.now();
  const event: SystemEvent = { event: 'created', actorId: input.creatorId, userIds: input.members.map((m) => m.userId) };
  await retryDeadlock(() =>
    db.transaction().execute(async (trx) => {
      await trx
        .insertInto('conversations')
        .values({
          id,
          type: input.type,
          title: input.title,
          avatar_url: null,
          direct_key: input.directKey ?? null,
          context_kind: input.context?.kind ?? null,
          context_ref: input.context?.ref ?? null,
          buyer_id: input.context?.buyerId ?? null,
          seller_id: input.context?.sellerId ?? null,
          context_key: input.context?.key ?? null,
          status: 'active',
          expires_at: input.expiresAt ?? null,
          created_by: input.creatorId,
          created_at: now,
          last_seq: 0,
          last_message_at: now,
          epoch: 1,
        })
        .execute();
      await trx
        .insertInto('members')
        .values(
          input.members.map((m) => ({
            conversation_id: id,
            user_id: m.userId,
            role: m.role,
            joined_at: now,
            left_at: null,
            muted: 0,
            last_read_seq: 0,
          })),
        )
        .execute();
      await appendMessage(trx, {
        conversation_id: id,
        id: uuidv7(),
        sender_id: input.creatorId,
        kind: 'system',
        text: '',
        media: null,
        reply_to: null,
        system: JSON.stringify(event),
        created_at: now,
      });
    }),
  );
  return id;
}


/** The caller's current membership; NOT_FOUND for an unknown conversation, NOT_A_MEMBER for anyone else. */
export async function requireMember(db: Db, conversationId: string, userId: string): Promise<MembersTable> {
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('members as mb', (join) => join.onRef('mb.conversation_id', '=', 'c.id').on('mb.user_id', '=', userId))
    .select(['c.id', 'mb.user_id', 'mb.role', 'mb.joined_at', 'mb.left_at', 'mb.muted', 'mb.last_read_seq'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!row) throw new ParleyError('NOT_FOUND', 'no such conversation');
  if (!row.user_id || row.left_at !== null) throw new ParleyError('NOT_A_MEMBER', 'you are not a member of this conversation');
  return {
    conversation_id: conversationId,
    user_id: row.user_id,
    role: row.role!,
    joined_at: Number(row.joined_at),
    left_at: null,
    muted: Number(row.muted),
    last_read_seq: Number(row.last_read_seq),
  };
}

/**
 * A context conversation whose expires_at has passed reads as expired; the
 * row is brought in line lazily, when one of its members lists it.
 */
export async function expireContexts(db: Db, userId: string, now = Date.now()): Promise<void> {
  // Read first: the common case finds nothing and then takes no write lock.
  const due = await db
    .selectFrom('members as mb')
    .innerJoin('conversations as c', 'c.id', 'mb.conversation_id')
    .select('c.id')
    .where('mb.user_id', '=', userId)
    .where('mb.left_at', 'is', null)
    .where('c.type', '=', 'context')
    .where('c.status', '=', 'active')
    .where('c.expires_at', 'is not', null)
    .where('c.expires_at', '<=', now)
    .execute();
  if (due.length === 0) return;
  await db
    .updateTable('conversations')
    .set({ status: 'expired' })
    .where('id', 'in', due.map((r) => r.id))
    .where('status', '=', 'active')
    .execute();
}

/**
 * The caller's current conversations, most recent first (or just `only`).
 * Five queries whatever the number of conversations: rows, last messages,
 * unread counts, member counts, direct peers. They read one snapshot (one
 * transaction): read apart, they could straddle a commit, and an inbox entry
 * whose unread count already holds a message past its `lastSeq` counts that
 * message again when it follows the commit (rule I2).
 */
export async function conversationSummaries(db: Db, userId: string, isOnline: IsOnline, only?: string): Promise<ConversationSummary[]> {
  if (!db.isTransaction) return db.transaction().execute((trx) => conversationSummaries(trx, userId, isOnline, only));
  const mine = () => {
    let q = db
      .selectFrom('members as mb')
      .innerJoin('conversations as c', 'c.id', 'mb.conversation_id')
      .where('mb.user_id', '=', userId)
      .where('mb.left_at', 'is', null);
    if (only !== undefined) q = q.where('c.id', '=', only);
    return q;
  };

  const rows = await mine()
    .selectAll('c')
    .select(['mb.role as my_role', 'mb.last_read_seq as my_read_seq'])
    .orderBy('c.last_message_at', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
  if (rows.length === 0) return [];

  const [lastRows, unread, counts, peers] = await Promise.all([
    mine()
      .innerJoin('messages as m', (join) => join.onRef('m.conversation_id', '=', 'c.id').onRef('m.seq', '=', 'c.last_seq'))
      .selectAll('m')
      .execute(),
    mine()
      .innerJoin('messages as m', (join) => join.onRef('m.conversation_id', '=', 'mb.conversation_id').onRef('m.seq', '>', 'mb.last_read_seq'))
      .where('m.sender_id', '!=', userId)
      // System messages (someone joined, the group was renamed) inform; they do not wait to be read.
      .where('m.kind', '!=', 'system')
      .select((eb) => ['c.id', eb.fn.countAll<number>().as('n')])
      .groupBy('c.id')
      .execute(),
    mine()
      .innerJoin('members as o', 'o.conversation_id', 'c.id')
      .where('o.left_at', 'is', null)
      .select((eb) => ['c.id', eb.fn.countAll<number>().as('n')])
      .groupBy('c.id')
      .execute(),
    mine()
      .innerJoin('members as o', 'o.conversation_id', 'c.id')
      .innerJoin('users as u', 'u.id', 'o.user_id')
      .where('c.type', '=', 'direct')
      .where('o.user_id', '!=', userId)
      .select(['c.id as conversation_id', 'u.id', 'u.username', 'u.display_name', 'u.avatar_url'])
      .execute(),
  ]);

  const lastMessages = new Map((await withReplies(db, lastRows)).map(([row, reply]) => [row.conversation_id, rowToMessage(row, reply)]));
  const unreadBy = new Map(unread.map((r) => [r.id, Number(r.n)]));
  const countBy = new Map(counts.map((r) => [r.id, Number(r.n)]));
  const peerBy = new Map(peers.map((p) => [p.conversation_id, p]));
  const now = Date.now();

  return rows.map((c) => {
    const summary: ConversationSummary = {
      id: c.id,
      type: c.type,
      title: c.title,
      avatarUrl: c.avatar_url,
      status: c.status === 'active' && c.expires_at !== null && Number(c.expires_at) <= now ? 'expired' : c.status,
      context:
        c.type === 'context' && c.context_kind !== null
          ? { kind: c.context_kind, ref: c.context_ref ?? '', buyerId: c.buyer_id ?? '', sellerId: c.seller_id ?? '' }
          : null,
      expiresAt: c.expires_at === null ? null : Number(c.expires_at),
      createdAt: Number(c.created_at),
      lastSeq: Number(c.last_seq),
      lastMessage: lastMessages.get(c.id) ?? null,
      unreadCount: unreadBy.get(c.id) ?? 0,
      readSeq: Number(c.my_read_seq),
      role: c.my_role,
      memberCount: countBy.get(c.id) ?? 0,
    };
    const peer = peerBy.get(c.id);
    if (peer) summary.peer = withOnline(toUser(peer), isOnline);
    return summary;
  });
}

/** One conversation as its member sees it, with the current members. */
export async function conversationDetail(db: Db, userId: string, conversationId: string, isOnline: IsOnline): Promise<ConversationDetail> {
  await requireMember(db, conversationId, userId);
  const [summary] = await conversationSummaries(db, userId, isOnline, conversationId);
  if (!summary) throw new ParleyError('NOT_A_MEMBER', 'you are not a member of this conversation');
  const rows = await currentMembers(db, conversationId)
    .innerJoin('users as u', 'u.id', 'mb.user_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.avatar_url', 'mb.role', 'mb.joined_at', 'mb.last_read_seq'])
    .orderBy('mb.joined_at')
    .orderBy('u.username')
    .execute();
  const members = rows.map(
    (r): Online<Member> =>
      withOnline({ ...toUser(r), role: r.role, joinedAt: Number(r.joined_at), lastReadSeq: Number(r.last_read_seq) }, isOnline),
  );
  return { ...summary, members };
}

export function withOnline<T extends User>(user: T, isOnline: IsOnline): Online<T> {
  return { ...user, online: isOnline(user.id) };
}
