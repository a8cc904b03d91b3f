import {
  LIMITS, ParleyError, parseCommand, RETRYABLE_CODES, userParts,
  type Command, type CommandResult, type ErrorCode, type ParleyErrorBody, type SendCommand,
} from '@parley/schema';
import type * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import type { MessageFailedEvent, MessageSentEvent } from '../events.ts';
import type { MessageStatus, PendingSend } from '../messages/mergeMessages.ts';
import { reconnectDelay } from '../reconnect/delay.ts';
import type { ClientStorage } from '../storage/types.ts';
import { insertionIndex, retryAttemptOf, retryCommandId, retryInsertionIndex, typedOrder } from './queue.ts';

/** Sent message ids remembered for `messageStatus` (rule SDK-Q4), newest kept. */
export const SENT_REMEMBERED = 10_000;

/** A send waiting for the next retry round (rule SDK-Q3): a retryable failure, or a send held behind one. */
interface Waiting {
  command: SendCommand;
  /** A failure to send again under a derived id; otherwise a held send, appended as it is. */
  retry: boolean;
}

export interface OutboxHooks {
  sent(event: MessageSentEvent): void;
  failed(event: MessageFailedEvent): void;
  changed(): void;
  error(error: ParleyError): void;
}

/**
 * The sending side of the user document (rules SDK-O1–SDK-O4):
 *  - a command is validated with the server's own parser before it is appended,
 *    so bad input fails locally with the server's code;
 *  - it is inserted by priority (SDK-Q1);
 *  - sends stay "unconfirmed" until their result arrives; the copy is kept on the
 *    device because the server deletes the command, and a failed message must still
 *    show its text and be retryable after a reload;
 *  - retryable failures are retried with the derived id of SDK-Q2, same messageId, in
 *    rounds on one timer, each back at its own place; while one waits, later sends
 *    to its conversation are held behind it, so the order typed survives (SDK-Q3);
 *  - sent message ids are remembered (bounded, on the device) for `messageStatus` (SDK-Q4).
 */
export class Outbox {
  private readonly known = new Map<string, Command>();
  /** Commands whose result arrived: never unconfirmed again, whatever order the server's edits land in. */
  private readonly done = new Set<string>();
  private unconfirmed = new Map<string, PendingSend>();
  /** Media sends waiting for their upload; not in the outbox yet, so not blocking anything. */
  private readonly held = new Map<string, SendCommand>();
  /** Rule SDK-Q3: retryable failures and the sends held behind them, by messageId. */
  private readonly waiting = new Map<string, Waiting>();
  private retryTimer: unknown = null;
  /** Rule SDK-Q4: messageId → seq (null when only the window showed it), oldest first. */
  private readonly sent = new Map<string, number | null>();
  private saveTimer: unknown = null;
  private readonly keys: ReturnType<typeof outboxStorageKeys>;

  constructor(
    private readonly doc: Y.Doc,
    private readonly deps: { clock: Clock; storage: ClientStorage; userId: string; maxRetries: number; random: () => number },
    private readonly hooks: OutboxHooks,
  ) {
    this.keys = outboxStorageKeys(deps.userId);
  }

  async load(): Promise<void> {
    try {
      const [saved, waiting, sent] = await Promise.all([
        this.deps.storage.get<PendingSend[]>(this.keys.unconfirmed),
        this.deps.storage.get<Waiting[]>(this.keys.waiting),
        this.deps.storage.get<[string, number | null][]>(this.keys.sent),
      ]);
      for (const p of saved ?? []) if (!this.unconfirmed.has(p.command.messageId)) this.unconfirmed.set(p.command.messageId, p);
      for (const w of waiting ?? []) this.waiting.set(w.command.messageId, w);
      for (const [id, seq] of sent ?? []) this.sent.set(id, seq);
    } catch (e) {
      this.hooks.error(e as ParleyError);
    }
    const { outbox, results } = userParts(this.doc);
    // Results stored before a reload settle the copies saved before it, without events.
    for (const r of results.toArray()) this.settle(r);
    this.observeOutbox(outbox.toArray());
    // Only what was added: a draining backlog changes the outbox once per command.
    outbox.observe((event) => {
      const added: Command[] = [];
      for (const item of event.changes.added) added.push(...(item.content.getContent() as Command[]));
      this.observeOutbox(added);
    });
    if (this.waiting.size) this.scheduleRetryRound();
    results.observe((event) => {
      const added: CommandResult[] = [];
      for (const item of event.changes.added) added.push(...(item.content.getContent() as CommandResult[]));
      // A command answered twice (two server copies merged, rule O4) is reported once; the server drops the repeat.
      for (const r of added) if (!this.done.has(r.id)) this.onResult(r);
    });
    this.hooks.changed();
  }

  /**
   * Validate and append a command; throws ParleyError with the server's code on bad input.
   * A send to a conversation where an earlier send waits for its retry is held behind it (SDK-Q3).
   */
  append(raw: Record<string, unknown>): Command {
    const parsed = parseCommand(raw);
    if (!parsed.ok) throw new ParleyError(parsed.error.code, parsed.error.message);
    const command = parsed.value;
    if (command.type === 'send' && this.waitsIn(command.conversationId)) {
      this.known.set(command.id, command);
      this.waiting.set(command.messageId, { command, retry: false });
      this.unconfirmed.set(command.messageId, { command });
      this.scheduleSave();
      this.hooks.changed();
      return command;
    }
    this.insert(command, (outbox) => insertionIndex(outbox, command));
    return command;
  }

  private insert(command: Command, at: (outbox: Command[]) => number): void {
    const { outbox } = userParts(this.doc);
    this.doc.transact(() => {
      const items = outbox.toArray();
      if (items.some((c) => c.id === command.id)) return;
      outbox.insert(at(items), [command]);
    });
  }

  private waitsIn(conversationId: string): boolean {
    for (const w of this.waiting.values()) if (w.command.conversationId === conversationId) return true;
    return false;
  }

  /** Show a media message as pending while its upload runs. */
  hold(command: SendCommand): void {
    this.held.set(command.messageId, command);
    this.hooks.changed();
  }

  release(messageId: string): void {
    this.held.delete(messageId);
    this.hooks.changed();
  }

  pending(): PendingSend[] {
    const list: PendingSend[] = [...this.unconfirmed.values()];
    for (const c of this.held.values()) list.push({ command: c });
    return list;
  }

  statusOf(messageId: string): PendingSend | undefined {
    return this.unconfirmed.get(messageId) ?? (this.held.has(messageId) ? { command: this.held.get(messageId)! } : undefined);
  }

  /** A `read` of this conversation up to `seq` or further is already waiting to go. */
  readQueued(conversationId: string, seq: number): boolean {
    return userParts(this.doc).outbox.toArray().some((c) => c.type === 'read' && c.conversationId === conversationId && c.seq >= seq);
  }

  /** Rule SDK-Q4: the status of any message this user sent from here, in the window or long gone from it. */
  messageStatus(messageId: string): MessageStatus | undefined {
    const p = this.statusOf(messageId);
    if (p) return p.error ? 'failed' : 'pending';
    return this.sent.has(messageId) ? 'sent' : undefined;
  }

  /** Send a failed message again: a new command (derived id), the same messageId, at its own place (SDK-Q3). */
  retry(messageId: string): boolean {
    const p = this.unconfirmed.get(messageId);
    if (!p || !p.error) return false;
    const command = { ...p.command, id: retryCommandId(p.command.id) };
    parseOrThrow(command);
    this.waiting.delete(messageId);
    this.unconfirmed.set(messageId, { command });
    this.known.set(command.id, command);
    this.insert(command, (outbox) => retryInsertionIndex(outbox, command));
    this.scheduleSave();
    this.hooks.changed();
    return true;
  }

  /** Forget a failed message. */
  discard(messageId: string): void {
    if (this.unconfirmed.get(messageId)?.error) {
      this.unconfirmed.delete(messageId);
      this.waiting.delete(messageId);
      this.scheduleSave();
      this.hooks.changed();
    }
  }

  /** The window shows the message with its seq: it is no longer unconfirmed (SDK-M4). */
  confirmSeen(messageIds: Iterable<string>): void {
    let changed = false;
    for (const id of messageIds) {
      const p = this.unconfirmed.get(id);
      if (p && !userParts(this.doc).outbox.toArray().some((c) => c.id === p.command.id)) {
        this.unconfirmed.delete(id);
        this.waiting.delete(id);
        changed = true;
      }
      if (!this.sent.has(id)) {
        this.rememberSent(id, null);
        changed = true;
      }
    }
    if (changed) this.scheduleSave();
  }

  /** `keep` false: the device data is being deleted, so a pending save is dropped. */
  destroy({ keep = true }: { keep?: boolean } = {}): void {
    if (this.retryTimer !== null) this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.saveTimer !== null) {
      this.deps.clock.clearTimeout(this.saveTimer);
      this.saveTimer = null;
      if (keep) void this.save();
    }
  }

  private observeOutbox(commands: Command[]): void {
    let changed = false;
    for (const c of commands) {
      if (!c || typeof c !== 'object' || this.done.has(c.id)) continue;
      this.known.set(c.id, c);
      if (c.type === 'send') {
        const seen = this.unconfirmed.get(c.messageId);
        if (!seen || seen.command.id !== c.id || seen.error) {
          this.unconfirmed.set(c.messageId, { command: c });
          changed = true;
        }
      }
    }
    if (changed) this.scheduleSave();
    this.hooks.changed();
  }

  private settle(r: CommandResult): void {
    this.done.add(r.id);
    // Stored results carry only the command id (rule O3): find the send it answers.
    for (const [messageId, p] of this.unconfirmed) {
      if (p.command.id !== r.id) continue;
      if (r.status === 'sent') {
        this.unconfirmed.delete(messageId);
        this.rememberSent(messageId, r.seq);
      } else this.unconfirmed.set(messageId, { command: p.command, error: { code: r.code, message: r.message } });
      return;
    }
  }

  private onResult(r: CommandResult): void {
    this.done.add(r.id);
    const command = this.known.get(r.id);
    const messageId = r.messageId ?? (command && 'messageId' in command ? command.messageId : undefined);
    const conversationId = r.conversationId ?? command?.conversationId;
    if (r.status === 'sent') {
      if (messageId) {
        this.unconfirmed.delete(messageId);
        this.rememberSent(messageId, r.seq);
      }
      this.scheduleSave();
      this.hooks.changed();
      if (command && messageId && conversationId) this.hooks.sent({ commandId: r.id, messageId, conversationId, seq: r.seq });
      return;
    }
    const body: ParleyErrorBody = { code: r.code, message: r.message };
    const retryable = RETRYABLE_CODES.has(r.code as ErrorCode);
    const p = messageId ? this.unconfirmed.get(messageId) : undefined;
    const current = p !== undefined && p.command.id === r.id;
    if (current) {
      this.unconfirmed.set(messageId!, { command: p.command, error: body });
      this.scheduleSave();
    }
    this.hooks.changed();
    if (!command) return;
    this.hooks.failed({ commandId: r.id, messageId, conversationId, error: new ParleyError(body.code, body.message), retryable });
    // Rule SDK-Q3: no timer of its own; it waits for the next round, and holds the later sends of its conversation.
    if (current && retryable && command.type === 'send' && retryAttemptOf(r.id) < this.deps.maxRetries) {
      this.waiting.set(command.messageId, { command, retry: true });
      this.scheduleRetryRound();
    }
  }

  private scheduleRetryRound(): void {
    if (this.retryTimer !== null) return;
    // One timer for every waiting send, backing off with the most-tried of them; no jitter, so nothing overtakes by luck.
    let attempt = 1;
    for (const w of this.waiting.values()) if (w.retry) attempt = Math.max(attempt, retryAttemptOf(w.command.id) + 1);
    const delay = reconnectDelay({ strategy: 'exponential', maxRetries: 0, initialDelay: 1000, maxDelay: 30_000, jitter: 0 }, attempt, this.deps.random);
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = null;
      try {
        this.runRetryRound();
      } catch (e) {
        this.hooks.error(e instanceof ParleyError ? e : new ParleyError('MESSAGE_SEND_FAILED', String(e)));
      }
    }, delay);
  }

  /**
   * Rule SDK-Q3: every waiting send goes back into the outbox in the order typed, each at its own
   * place, as many as the server's pending cap leaves room for; the rest wait for the next round.
   */
  private runRetryRound(): void {
    const { outbox } = userParts(this.doc);
    let room = LIMITS.outboxMaxPending - outbox.length;
    const due = [...this.waiting.values()].sort((a, b) => typedOrder(a.command, b.command));
    for (const { command, retry } of due) {
      if (room <= 0) break;
      this.waiting.delete(command.messageId);
      const next = retry ? { ...command, id: retryCommandId(command.id) } : command;
      // A failure the user already discarded or retried by hand is not sent again.
      const p = this.unconfirmed.get(command.messageId);
      if (!p || p.command.id !== command.id) continue;
      this.unconfirmed.set(command.messageId, { command: next });
      this.known.set(next.id, next);
      this.insert(next, (items) => retryInsertionIndex(items, next));
      room -= 1;
    }
    if (this.waiting.size) this.scheduleRetryRound();
    this.scheduleSave();
    this.hooks.changed();
  }

  private rememberSent(messageId: string, seq: number | null): void {
    this.sent.delete(messageId);
    this.sent.set(messageId, seq);
    if (this.sent.size > SENT_REMEMBERED) this.sent.delete(this.sent.keys().next().value!);
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = this.deps.clock.setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, 100);
  }

  private async save(): Promise<void> {
    try {
      await Promise.all([
        this.deps.storage.set(this.keys.unconfirmed, [...this.unconfirmed.values()]),
        this.deps.storage.set(this.keys.waiting, [...this.waiting.values()]),
        this.deps.storage.set(this.keys.sent, [...this.sent]),
      ]);
    } catch (e) {
      this.hooks.error(e instanceof ParleyError ? e : new ParleyError('STORAGE_FAILED', String(e)));
    }
  }
}

function parseOrThrow(command: Command): void {
  const parsed = parseCommand(command);
  if (!parsed.ok) throw new ParleyError(parsed.error.code, parsed.error.message);
}

/** What an Outbox keeps in device storage, by user: logout deletes these (SDK-A3). */
export function outboxStorageKeys(userId: string) {
  return { unconfirmed: `unconfirmed:${userId}`, waiting: `waiting:${userId}`, sent: `sent:${userId}` };
}
