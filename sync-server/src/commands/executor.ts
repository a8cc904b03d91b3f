import { v7 as uuidv7 } from 'uuid';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Dialect, MessagesTable } from '@parley/schema/db';
import type { CallRecord, Command, CommandResult, ErrorCode, MessageEntry } from '@parley/schema';
import type { CommandExecutor, ExecuteOptions, InboxFollower, InboxNotifier, PresenceView } from '../services.ts';
import { currentMembers } from '../index/members.ts';
import { appendMessage, rowToEntry, rowToMessage } from '../index/messages.ts';
import { isUniqueViolation, retryDeadlock } from '../index/errors.ts';
import { effectiveStatus } from '../index/projection.ts';
import { decide, type Effect, type Facts, type MessageFacts } from './decide.ts';
import { checkMedia } from './media.ts';
import type { RateLimiter } from './rate-limit.ts';
import { FactsCache, type CachedConversation } from './facts-cache.ts';
import { commitGroup, StaleFacts, type GroupItem } from './group-commit.ts';
import { GuardFailed, inSteps } from '../index/pipeline.ts';

/** What the executor needs from the document side once the index has committed. */
export interface ConversationWriter {
  /** Keeps the conversation document loaded until the returned function is called (rule E3). */
  hold(conversationId: string): Promise<() => void>;
  /** Projects the committed changes into the conversation document (rule O7). */
  project(conversationId: string, change: ProjectedChange): Promise<void>;
  /** Closes the sockets of users who are no longer members (rule A3). */
  evict(conversationId: string, userIds: string[]): void;
  /** Rule O14: later, writes into the document what a command answered again may have left out of it. */
  repair(conversationId: string, messageIds: string[], firstAttemptAt: number): void;
}

export interface ProjectedChange {
  messageIds: string[];
  /** The entries of `messageIds` when the caller has them (a group commit); otherwise they are read from the index. */
  entries?: MessageEntry[];
  meta: boolean;
  reads: Record<string, number>;
  removed: string[];
}

/** Rule K8: the server's own `call` message that ends a call (never a client command). */
export interface CallRecorder {
  recordCall(conversationId: string, call: CallRecord): Promise<void>;
}

interface Deps {
  db: Kysely<Database>;
  dialect: Dialect;
  writer: ConversationWriter;
  inbox: InboxNotifier & InboxFollower;
  presence: Pick<PresenceView, 'introduce'>;
  limiter: RateLimiter;
  /** Rule O13: shared with the bus (server.ts attaches it); a private one otherwise. */
  facts?: FactsCache;
  now?: () => number;
}

interface Pending {
  actorId: string;
  command: Command;
  resolve: (result: CommandResult) => void;
  reject: (error: unknown) => void;
}

/** Commands taken into one group at most, and groups committing at once (rule O12). */
const MAX_BATCH = 500;
const MAX_RUNNING_BATCHES = 2;

/** Rule O12: text sends and reads go through the group commit; every other command runs on its own. */
const groupable = (command: Command): command is GroupItem['command'] => command.type === 'read' || (command.type === 'send' && !command.media);

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
  const factsCache = deps.facts ?? new FactsCache(db);

  async function priorResult(actorId: string, command: Command): Promise<CommandResult | null> {
    const [prior, existing] = await Promise.all([
      db.selectFrom('commands').select(['user_id', 'result', 'created_at']).where('id', '=', command.id).executeTakeFirst(),
      // A resend (an SDK retry under a new command id) of a message that already landed.
      command.type === 'send'
        ? db.selectFrom('messages').select(['conversation_id', 'sender_id', 'seq', 'created_at']).where('id', '=', command.messageId).executeTakeFirst()
        : undefined,
    ]);
    if (prior) {
      if (prior.user_id !== actorId) return failed(command, 'DUPLICATE', 'that command id is taken', now());
      return answeredAgain(command, JSON.parse(prior.result) as CommandResult, Number(prior.created_at));
    }
    if (command.type === 'send' && existing) {
      if (existing.sender_id !== actorId || existing.conversation_id !== command.conversationId) {
        return failed(command, 'DUPLICATE', 'that message id is taken', now());
      }
      const result: CommandResult = { id: command.id, status: 'sent', seq: Number(existing.seq), messageId: command.messageId, conversationId: command.conversationId, at: now() };
      return answeredAgain(command, result, Number(existing.created_at));
    }
    return null;
  }

  /** Rule O14: a command that committed before may not have been projected; the document is looked at again. */
  function answeredAgain(command: Command, result: CommandResult, firstAttemptAt: number): CommandResult {
    if (result.status === 'sent' && 'conversationId' in command) {
      deps.writer.repair(command.conversationId, 'messageId' in command ? [command.messageId] : [], firstAttemptAt);
    }
    return result;
  }

  /**
   * Rule O12: every command of one event-loop turn, across users, is queued and
   * taken as one batch; a batch's text sends and reads commit in one transaction.
   */
  function execute(actorId: string, command: Command, options: ExecuteOptions = {}): Promise<CommandResult> {
    // Rule O10: the outbox waits for its token (admit) before it calls; a REST write is refused, its caller retries.
    if (!options.admitted && !deps.limiter.take(actorId)) return Promise.resolve(failed(command, 'RATE_LIMITED', 'too many commands; slow down', now()));
    return new Promise((resolve, reject) => {
      queue.push({ actorId, command, resolve, reject });
      schedule();
    });
  }

  const queue: Pending[] = [];
  let running = 0;
  let scheduled = false;

  function schedule() {
    if (scheduled || running >= MAX_RUNNING_BATCHES || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (queue.length === 0) return;
      running++;
      void runBatch(queue.splice(0, MAX_BATCH)).finally(() => {
        running--;
        schedule();
      });
    });
  }

  /**
   * Rule O11: a batch runs in queue order, split where a command cannot join the
   * group: grouped runs commit together, other commands run concurrently across
   * users but in order for one user.
   */
  async function runBatch(batch: Pending[]) {
    const segments: Array<{ grouped: boolean; items: Pending[]; actors: Set<string> }> = [];
    for (const pending of batch) {
      const grouped = groupable(pending.command);
      let segment = segments.at(-1);
      if (!segment || segment.grouped !== grouped || (!grouped && segment.actors.has(pending.actorId))) {
        segment = { grouped, items: [], actors: new Set() };
        segments.push(segment);
      }
      segment.items.push(pending);
      segment.actors.add(pending.actorId);
    }
    for (const segment of segments) {
      if (segment.grouped) await runGroup(segment.items);
      else await Promise.all(segment.items.map(runOne));
    }
  }

  const runOne = (pending: Pending) => executeOne(pending.actorId, pending.command).then(pending.resolve, pending.reject);

  /**
   * Decides each command on the cached facts (O13); the accepted ones commit
   * together, the refused ones run on their own with facts read afresh (a
   * refusal may come from a copy that is stale for a moment, and must record
   * its answer or find the first one, O4).
   */
  async function runGroup(items: Pending[]) {
    const at = now();
    const conversationIds = [...new Set(items.map((p) => p.command.conversationId))];
    const replyIds = [...new Set(items.flatMap((p) => (p.command.type === 'send' && p.command.replyTo ? [p.command.replyTo] : [])))];
    let cached: Map<string, CachedConversation | null>;
    let replies: Map<string, MessagesTable>;
    try {
      [cached, replies] = await Promise.all([
        Promise.all(conversationIds.map(async (id) => [id, await factsCache.get(id)] as const)).then((entries) => new Map(entries)),
        (replyIds.length ? db.selectFrom('messages').selectAll().where('id', 'in', replyIds).execute() : Promise.resolve([])).then((rows) => new Map(rows.map((r) => [r.id, r]))),
      ]);
    } catch {
      // The database is unreachable: each command fails (and is retried, O9) on its own.
      for (const pending of items) await runOne(pending);
      return;
    }
    const accepted: Array<Pending & GroupItem> = [];
    const alone: Pending[] = [];
    for (const pending of items) {
      const { command } = pending;
      const reply = command.type === 'send' && command.replyTo ? replies.get(command.replyTo) : undefined;
      const decision = decide(cachedFacts(cached.get(command.conversationId) ?? null, pending.actorId, at, reply ? toMessageFacts(reply) : null), command);
      if (decision.ok && groupable(command)) accepted.push({ ...pending, command });
      else alone.push(pending);
    }
    if (accepted.length) await commitAccepted(accepted, at, cached, replies);
    for (const pending of alone) await runOne(pending);
  }

  async function commitAccepted(
    accepted: Array<Pending & GroupItem>,
    at: number,
    cached: Map<string, CachedConversation | null>,
    replies: Map<string, MessagesTable>,
  ) {
    const conversationIds = [...new Set(accepted.map((p) => p.command.conversationId))].sort();
    // Rule E3: every document is held before the commit and released after its projection.
    const held = await Promise.allSettled(conversationIds.map((id) => deps.writer.hold(id)));
    const releases = new Map(conversationIds.map((id, i) => {
      const hold = held[i]!;
      return [id, hold.status === 'fulfilled' ? hold.value : () => undefined];
    }));
    let outcome: Awaited<ReturnType<typeof commitGroup>> | null = null;
    try {
      const failure = held.find((h) => h.status === 'rejected');
      if (failure) throw failure.reason;
      const commit = (known: Map<string, number> | null) =>
        retryDeadlock(() => inSteps(db, deps.dialect, (step) => commitGroup(db, deps.dialect, step, accepted, at, known)));
      // Rule O15: one round trip on the seqs this instance committed last; a guess that proved off costs a second try on the stored ones.
      outcome = await commit(factsCache.knownSeqs(conversationIds)).catch((error: unknown) => {
        if (!(error instanceof GuardFailed)) throw error;
        conversationIds.forEach((id) => factsCache.forgetSeq(id));
        return commit(null);
      });
      outcome.lastSeqs.forEach((seq, id) => factsCache.committed(id, seq));
    } catch (error) {
      releases.forEach((release) => release());
      if (error instanceof StaleFacts) error.conversationIds.forEach((id) => factsCache.drop(id));
      // One by one, each answers for itself: a duplicate its first result (O4), a
      // refusal its code, a failure of the database its error (O9).
      for (const pending of accepted) await runOne(pending);
      return;
    }
    const { results, changes } = outcome;
    const replyOf = (row: MessagesTable) => (row.reply_to ? (replies.get(row.reply_to) ?? null) : null);
    // By conversation in one pass: a filter per conversation is quadratic in a group of hundreds.
    const answered = new Map(conversationIds.map((id) => [id, [] as Array<readonly [Pending, CommandResult]>]));
    accepted.forEach((p, i) => answered.get(p.command.conversationId)!.push([p, results[i]!]));
    await Promise.all(conversationIds.map(async (conversationId) => {
      const change = changes.get(conversationId)!;
      const mine = answered.get(conversationId)!;
      try {
        // Rule O12: one document update per conversation per group.
        await deps.writer.project(conversationId, {
          messageIds: change.rows.map((r) => r.id), entries: change.rows.map((r) => rowToEntry(r, replyOf(r))), meta: false, reads: change.reads, removed: [],
        });
        mine.forEach(([p, result]) => p.resolve(result));
      } catch (error) {
        // Committed but not projected: the command is retried, answered from its command row (O4, O9) and projected then (O14).
        mine.forEach(([p]) => p.reject(error));
      } finally {
        releases.get(conversationId)!();
      }
      const messages = change.rows.map((r) => rowToMessage(r, replyOf(r)));
      const members = messages.length ? [...(cached.get(conversationId)?.members.keys() ?? [])] : [];
      // Rule I2: the inboxes follow from what was committed, with no query.
      void deps.inbox.follow(conversationId, [...new Set([...members, ...Object.keys(change.reads)])], { messages, reads: change.reads });
    }));
  }

  async function executeOne(actorId: string, command: Command): Promise<CommandResult> {
    // Rule O4: no prior-result look-up first. A command id already answered (or a
    // message id already landed) hits a unique key in the commit, which rolls back
    // whole, and the stored answer is read then: duplicates are rare, look-ups were per command.
    const facts = await loadFacts(db, actorId, command, now());
    // Rule F1: a media descriptor must name the sender's finished upload in this conversation.
    const decision = await checkMedia(db, actorId, command, decide(facts, command));
    const at = facts.now;
    let result: CommandResult;
    let committed: Committed = emptyCommit();
    if (!decision.ok) {
      // A refusal commits nothing that a unique key could catch; an answered command or a landed resend keeps its answer.
      const prior = await priorResult(actorId, command);
      if (prior) return prior;
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
      // Rule O15: a message appended here moved the seq past what the group commit knows.
      if (committed.firstSeq !== null) factsCache.forgetSeq(command.conversationId);
      // Rule O13: membership, roles or status changed; every instance reloads them.
      if (committed.meta) factsCache.invalidate(command.conversationId);
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
      factsCache.forgetSeq(conversationId);
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
  const target = m ? toMessageFacts(m) : null;
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

function toMessageFacts(m: MessagesTable): MessageFacts {
  return {
    id: m.id, conversationId: m.conversation_id, senderId: m.sender_id, kind: m.kind, seq: Number(m.seq), createdAt: Number(m.created_at),
    recalledAt: m.recalled_at == null ? null : Number(m.recalled_at), reactions: parseReactions(m.reactions), text: m.text,
  };
}

/**
 * Rule O13: the facts of a send or a read from the cache. `lastSeq` is not
 * cached (it moves with every message): the group commit clamps a read to the
 * seq it reads in its transaction.
 */
function cachedFacts(c: CachedConversation | null, actorId: string, now: number, target: MessageFacts | null): Facts {
  return {
    now,
    actorId,
    conversation: c
      ? { id: c.id, type: c.type, status: effectiveStatus({ status: c.status, expires_at: c.expiresAt }, now), expiresAt: c.expiresAt, title: c.title, avatarUrl: c.avatarUrl, lastSeq: Number.MAX_SAFE_INTEGER }
      : null,
    members: c?.members ?? new Map(),
    memberCount: c?.members.size ?? 0,
    target,
    knownUsers: new Set(),
    systemMessageId: '',
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
