import { v7 as uuidv7 } from 'uuid';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@parley/schema/db';
import type { CallRecord, Command, CommandResult, ErrorCode } from '@parley/schema';
import type { CommandExecutor, ExecuteOptions, InboxNotifier, PresenceView } from '../services.ts';
import { currentMembers } from '../index/members.ts';
import { appendMessage } from '../index/messages.ts';
import { isUniqueViolation } from '../index/errors.ts';
import { effectiveStatus } from '../index/projection.ts';
import { decide, type Effect, type Facts, type MessageFacts } from './decide.ts';
import { checkMedia } from './media.ts';
import type { RateLimiter } from './rate-limit.ts';

/** What the executor needs from the document side once the index has committed. */
export interface ConversationWriter {
  /** Keeps the conversation document loaded until the returned function is called (rule E3). */
  hold(conversationId: string): Promise<() => void>;
  /** Projects the committed changes into the conversation document (rule O7). */
  project(conversationId: string, change: { messageIds: string[]; meta: boolean; reads: Record<string, number>; removed: string[] }): Promise<void>;
  /** Closes the sockets of users who are no longer members (rule A3). */
  evict(conversationId: string, userIds: string[]): void;
}

/** Rule K8: the server's own `call` message that ends a call (never a client command). */
export interface CallRecorder {
  recordCall(conversationId: string, call: CallRecord): Promise<void>;
}

interface Deps {
  db: Kysely<Database>;
  writer: ConversationWriter;
  inbox: InboxNotifier;
  presence: Pick<PresenceView, 'introduce'>;
  limiter: RateLimiter;
  now?: () => number;
}

const failed = (command: Pick<Command, 'id'> & Partial<Pick<Command, 'conversationId'>>, code: ErrorCode, message: string, at: number): CommandResult => ({
  id: command.id, status: 'failed', code, message, conversationId: command.conversationId, at,
});

/**
 * The edge around `decide`: loads the facts, commits the effects and the
 * command's result in one transaction (rules O4, O5), then projects them into
 * the conversation document and the inboxes.
 */
export function createCommandExecutor(deps: Deps): CommandExecutor & CallRecorder {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  async function priorResult(actorId: string, command: Command): Promise<CommandResult | null> {
    const [prior, existing] = await Promise.all([
      db.selectFrom('commands').select(['user_id', 'result']).where('id', '=', command.id).executeTakeFirst(),
      // A resend (an SDK retry under a new command id) of a message that already landed.
      command.type === 'send'
        ? db.selectFrom('messages').select(['conversation_id', 'sender_id', 'seq']).where('id', '=', command.messageId).executeTakeFirst()
        : undefined,
    ]);
    if (prior) {
      return prior.user_id === actorId
        ? (JSON.parse(prior.result) as CommandResult)
        : failed(command, 'DUPLICATE', 'that command id is taken', now());
    }
    if (command.type === 'send' && existing) {
      if (existing.sender_id !== actorId || existing.conversation_id !== command.conversationId) {
        return failed(command, 'DUPLICATE', 'that message id is taken', now());
      }
      return { id: command.id, status: 'sent', seq: Number(existing.seq), messageId: command.messageId, conversationId: command.conversationId, at: now() };
    }
    return null;
  }

  async function execute(actorId: string, command: Command, options: ExecuteOptions = {}): Promise<CommandResult> {
    // Rule O10: the outbox waits for its token (admit) before it calls; a REST write is refused, its caller retries.
    if (!options.admitted && !deps.limiter.take(actorId)) return failed(command, 'RATE_LIMITED', 'too many commands; slow down', now());
    const prior = await priorResult(actorId, command);
    if (prior) return prior;

    const facts = await loadFacts(db, actorId, command, now());
    // Rule F1: a media descriptor must name the sender's finished upload in this conversation.
    const decision = await checkMedia(db, actorId, command, decide(facts, command));
    const at = facts.now;
    let result: CommandResult;
    let committed: Committed = emptyCommit();
    if (!decision.ok) {
      result = failed(command, decision.code, decision.message, at);
      try {
        await db.insertInto('commands').values({ id: command.id, user_id: actorId, result: JSON.stringify(result), created_at: at }).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        return (await priorResult(actorId, command)) ?? result;
      }
      return result;
    }
    // Rule E3: the document is held before the commit and released after the projection.
    const release = await deps.writer.hold(command.conversationId);
    try {
      const outcome = await db.transaction().execute(async (trx) => {
        const c = await applyEffects(trx, command.conversationId, decision.effects, at);
        const seq = c.firstSeq ?? decision.seq;
        const messageId = 'messageId' in command ? command.messageId : undefined;
        const r: CommandResult = { id: command.id, status: 'sent', seq, conversationId: command.conversationId, at, ...(messageId ? { messageId } : {}) };
        await trx.insertInto('commands').values({ id: command.id, user_id: actorId, result: JSON.stringify(r), created_at: at }).execute();
        return { r, c };
      });
      result = outcome.r;
      committed = outcome.c;
      if (committed.messageIds.length || committed.meta || Object.keys(committed.reads).length || committed.removed.length) {
        await deps.writer.project(command.conversationId, committed);
      }
    } catch (error) {
      // Another instance handled the same command (or message) first: answer what it answered.
      if (isUniqueViolation(error)) return (await priorResult(actorId, command)) ?? failed(command, 'DUPLICATE', 'duplicate', at);
      throw error;
    } finally {
      release();
    }

    if (committed.removed.length) deps.writer.evict(command.conversationId, committed.removed);
    // Unread counts and last messages change for every member on a new or changed message; a read changes the reader's.
    const members = committed.messageIds.length || committed.meta ? await memberIds(db, command.conversationId) : [];
    const inboxUsers = members.length ? [...new Set([...members, ...committed.removed])] : Object.keys(committed.reads);
    if (committed.added.length) deps.presence.introduce(committed.added, members);
    // Not awaited: the inbox is a view that follows within a few ms; the result need not wait for it.
    if (inboxUsers.length) void deps.inbox.refresh(command.conversationId, inboxUsers);
    return result;
  }

  /** Rule K8: the server's own `call` message, written like a command's append, without a command row. */
  async function recordCall(conversationId: string, call: CallRecord): Promise<void> {
    const at = now();
    const effect: Effect = {
      type: 'append', id: uuidv7(), senderId: call.callerId, kind: 'call', text: '', media: null, replyTo: null,
      system: { event: 'call', actorId: call.callerId, call },
    };
    const release = await deps.writer.hold(conversationId);
    try {
      const committed = await db.transaction().execute((trx) => applyEffects(trx, conversationId, [effect], at));
      await deps.writer.project(conversationId, committed);
    } finally {
      release();
    }
    void deps.inbox.refresh(conversationId, await memberIds(db, conversationId));
  }

  return { execute, admit: (actorId) => deps.limiter.admit(actorId), recordCall };
}

interface Committed {
  firstSeq: number | null;
  messageIds: string[];
  meta: boolean;
  reads: Record<string, number>;
  added: string[];
  removed: string[];
}

const emptyCommit = (): Committed => ({ firstSeq: null, messageIds: [], meta: false, reads: {}, added: [], removed: [] });

async function applyEffects(trx: Transaction<Database>, conversationId: string, effects: Effect[], at: number): Promise<Committed> {
  const c = emptyCommit();
  for (const effect of effects) {
    switch (effect.type) {
      case 'append': {
        const seq = await appendMessage(trx, {
          conversation_id: conversationId,
          id: effect.id,
          sender_id: effect.senderId,
          kind: effect.kind,
          text: effect.text,
          media: effect.media ? JSON.stringify(effect.media) : null,
          reply_to: effect.replyTo,
          system: effect.system ? JSON.stringify(effect.system) : null,
          created_at: at,
        });
        c.firstSeq ??= seq;
        c.messageIds.push(effect.id);
        // Sending implies having read everything up to one's own message.
        if (!effect.system) {
          await markRead(trx, conversationId, effect.senderId, seq);
          c.reads[effect.senderId] = seq;
        }
        break;
      }
      case 'updateMessage': {
        await trx
          .updateTable('messages')
          .set((eb) => ({
            version: eb('version', '+', 1),
            ...(effect.text !== undefined ? { text: effect.text } : {}),
            ...(effect.editedAt !== undefined ? { edited_at: effect.editedAt } : {}),
            ...(effect.recalledAt !== undefined ? { recalled_at: effect.recalledAt } : {}),
            ...(effect.reactions !== undefined ? { reactions: JSON.stringify(effect.reactions) } : {}),
          }))
          .where('id', '=', effect.id)
          .execute();
        c.messageIds.push(effect.id);
        break;
      }
      case 'read': {
        await markRead(trx, conversationId, effect.userId, effect.seq);
        c.reads[effect.userId] = effect.seq;
        break;
      }
      case 'conversation': {
        await trx
          .updateTable('conversations')
          .set({
            ...(effect.title !== undefined ? { title: effect.title } : {}),
            ...(effect.avatarUrl !== undefined ? { avatar_url: effect.avatarUrl } : {}),
            ...(effect.status !== undefined ? { status: effect.status } : {}),
          })
          .where('id', '=', conversationId)
          .execute();
        c.meta = true;
        break;
      }
      case 'addMembers': {
        for (const userId of effect.userIds) {
          const updated = await trx
            .updateTable('members')
            .set({ left_at: null, role: 'member', joined_at: at })
            .where('conversation_id', '=', conversationId)
            .where('user_id', '=', userId)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) {
            await trx.insertInto('members').values({
              conversation_id: conversationId, user_id: userId, role: 'member', joined_at: at, left_at: null, muted: 0, last_read_seq: 0,
            }).execute();
          }
        }
        c.meta = true;
        c.added.push(...effect.userIds);
        break;
      }
      case 'removeMember': {
        await trx.updateTable('members').set({ left_at: at }).where('conversation_id', '=', conversationId).where('user_id', '=', effect.userId).execute();
        c.meta = true;
        c.removed.push(effect.userId);
        break;
      }
      case 'setRole': {
        await trx.updateTable('members').set({ role: effect.role }).where('conversation_id', '=', conversationId).where('user_id', '=', effect.userId).execute();
        c.meta = true;
        break;
      }
    }
  }
  return c;
}

async function memberIds(db: Kysely<Database>, conversationId: string): Promise<string[]> {
  const rows = await currentMembers(db, conversationId).select('mb.user_id').execute();
  return rows.map((r) => r.user_id);
}

async function markRead(trx: Transaction<Database>, conversationId: string, userId: string, seq: number) {
  await trx
    .updateTable('members')
    .set({ last_read_seq: seq })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('last_read_seq', '<', seq)
    .execute();
}

async function loadFacts(db: Kysely<Database>, actorId: string, command: Command, now: number): Promise<Facts> {
  const conversationId = command.conversationId;
  const named = new Set<string>([actorId]);
  if (command.type === 'addMembers') command.userIds.forEach((id) => named.add(id));
  if (command.type === 'removeMember' || command.type === 'setRole') named.add(command.userId);
  const targetId = command.type === 'send' ? command.replyTo : 'messageId' in command ? command.messageId : undefined;

  // Independent look-ups, in parallel: on MySQL each one is a round trip.
  let members = currentMembers(db, conversationId).select(['mb.user_id', 'mb.role']);
  if (command.type !== 'leave') members = members.where('mb.user_id', 'in', [...named]);
  const [row, memberRows, count, m, users] = await Promise.all([
    db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirst(),
    members.orderBy('mb.joined_at').orderBy('mb.user_id').execute(),
    command.type === 'addMembers'
      ? currentMembers(db, conversationId).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
      : undefined,
    targetId ? db.selectFrom('messages').selectAll().where('id', '=', targetId).executeTakeFirst() : undefined,
    command.type === 'addMembers' ? db.selectFrom('users').select('id').where('id', 'in', command.userIds).execute() : [],
  ]);
  const target: MessageFacts | null = m
    ? {
        id: m.id, conversationId: m.conversation_id, senderId: m.sender_id, kind: m.kind, seq: Number(m.seq), createdAt: Number(m.created_at),
        recalledAt: m.recalled_at == null ? null : Number(m.recalled_at), reactions: parseReactions(m.reactions), text: m.text,
      }
    : null;
  const memberCount = count ? Number(count.n) : memberRows.length;
  const knownUsers = new Set(users.map((u) => u.id));

  return {
    now,
    actorId,
    conversation: row
      ? { id: row.id, type: row.type, status: effectiveStatus(row, now), expiresAt: row.expires_at == null ? null : Number(row.expires_at), title: row.title, avatarUrl: row.avatar_url, lastSeq: Number(row.last_seq) }
      : null,
    members: row ? new Map(memberRows.map((r) => [r.user_id, r.role])) : new Map(),
    memberCount,
    target,
    knownUsers,
    systemMessageId: uuidv7(),
  };
}

/** A message's stored reactions; a row that is not an object of arrays reads as none rather than failing every command on it. */
function parseReactions(json: string | null): Record<string, string[]> {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}
