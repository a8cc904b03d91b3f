import {
  ParleyError, parseCommand, RETRYABLE_CODES, userParts,
  type Command, type CommandResult, type ErrorCode, type ParleyErrorBody, type SendCommand,
} from '@parley/schema';
import type * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import type { MessageFailedEvent, MessageSentEvent } from '../events.ts';
import type { PendingSend } from '../messages/mergeMessages.ts';
import { reconnectDelay } from '../reconnect/delay.ts';
import type { ClientStorage } from '../storage/types.ts';
import { insertionIndex, retryAttemptOf, retryCommandId } from './queue.ts';

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
 *  - retryable failures are retried with the derived id of SDK-Q2, same messageId.
 */
export class Outbox {
  private readonly known = new Map<string, Command>();
  /** Commands whose result arrived: never unconfirmed again, whatever order the server's edits land in. */
  private readonly done = new Set<string>();
  private unconfirmed = new Map<string, PendingSend>();
  /** Media sends waiting for their upload; not in the outbox yet, so not blocking anything. */
  private readonly held = new Map<string, SendCommand>();
  private retryTimers = new Map<string, unknown>();
  private saveTimer: unknown = null;
  private readonly storageKey: string;

  constructor(
    private readonly doc: Y.Doc,
    private readonly deps: { clock: Clock; storage: ClientStorage; userId: string; maxRetries: number; random: () => number },
    private readonly hooks: OutboxHooks,
  ) {
    this.storageKey = `unconfirmed:${deps.userId}`;
  }

  async load(): Promise<void> {
    try {
      const saved = await this.deps.storage.get<PendingSend[]>(this.storageKey);
      for (const p of saved ?? []) if (!this.unconfirmed.has(p.command.messageId)) this.unconfirmed.set(p.command.messageId, p);
    } catch (e) {
      this.hooks.error(e as ParleyError);
    }
    const { outbox, results } = userParts(this.doc);
    // Results stored before a reload settle the copies saved before it, without events.
    for (const r of results.toArray()) this.settle(r);
    this.observeOutbox(outbox.toArray());
    outbox.observe(() => this.observeOutbox(outbox.toArray()));
    results.observe((event) => {
      const added: CommandResult[] = [];
      for (const item of event.changes.added) added.push(...(item.content.getContent() as CommandResult[]));
      for (const r of added) this.onResult(r);
    });
    this.hooks.changed();
  }

  /** Validate and append a command; throws ParleyError with the server's code on bad input. */
  append(raw: Record<string, unknown>): Command {
    const parsed = parseCommand(raw);
    if (!parsed.ok) throw new ParleyError(parsed.error.code, parsed.error.message);
    const command = parsed.value;
    const { outbox } = userParts(this.doc);
    this.doc.transact(() => {
      if (outbox.toArray().some((c) => c.id === command.id)) return;
      outbox.insert(insertionIndex(outbox.toArray(), command), [command]);
    });
    return command;
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

  /** Send a failed message again: a new command (derived id), the same messageId. */
  retry(messageId: string): boolean {
    const p = this.unconfirmed.get(messageId);
    if (!p || !p.error) return false;
    const command = { ...p.command, id: retryCommandId(p.command.id) };
    this.unconfirmed.set(messageId, { command });
    this.append(command);
    this.scheduleSave();
    return true;
  }

  /** Forget a failed message. */
  discard(messageId: string): void {
    if (this.unconfirmed.get(messageId)?.error) {
      this.unconfirmed.delete(messageId);
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
        changed = true;
      }
    }
    if (changed) this.scheduleSave();
  }

  destroy(): void {
    for (const t of this.retryTimers.values()) this.deps.clock.clearTimeout(t);
    this.retryTimers.clear();
    if (this.saveTimer !== null) {
      this.deps.clock.clearTimeout(this.saveTimer);
      void this.save();
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
      if (r.status === 'sent') this.unconfirmed.delete(messageId);
      else this.unconfirmed.set(messageId, { command: p.command, error: { code: r.code, message: r.message } });
      return;
    }
  }

  private onResult(r: CommandResult): void {
    this.done.add(r.id);
    const command = this.known.get(r.id);
    const messageId = r.messageId ?? (command && 'messageId' in command ? command.messageId : undefined);
    const conversationId = r.conversationId ?? command?.conversationId;
    if (r.status === 'sent') {
      if (messageId) this.unconfirmed.delete(messageId);
      this.clearRetry(messageId);
      this.scheduleSave();
      this.hooks.changed();
      if (command && messageId && conversationId) this.hooks.sent({ commandId: r.id, messageId, conversationId, seq: r.seq });
      return;
    }
    const body: ParleyErrorBody = { code: r.code, message: r.message };
    const retryable = RETRYABLE_CODES.has(r.code as ErrorCode);
    const p = messageId ? this.unconfirmed.get(messageId) : undefined;
    if (p && p.command.id === r.id) {
      this.unconfirmed.set(messageId!, { command: p.command, error: body });
      this.scheduleSave();
    }
    this.hooks.changed();
    if (!command) return;
    this.hooks.failed({ commandId: r.id, messageId, conversationId, error: new ParleyError(body.code, body.message), retryable });
    if (retryable && messageId && command.type === 'send' && retryAttemptOf(r.id) < this.deps.maxRetries) {
      this.clearRetry(messageId);
      const delay = reconnectDelay(
        { strategy: 'exponential', maxRetries: 0, initialDelay: 1000, maxDelay: 30_000, jitter: 0.5 },
        retryAttemptOf(r.id) + 1,
        this.deps.random,
      );
      this.retryTimers.set(messageId, this.deps.clock.setTimeout(() => {
        this.retryTimers.delete(messageId);
        try {
          this.retry(messageId);
        } catch (e) {
          this.hooks.error(e as ParleyError);
        }
      }, delay));
    }
  }

  private clearRetry(messageId: string | undefined): void {
    if (!messageId) return;
    const t = this.retryTimers.get(messageId);
    if (t !== undefined) this.deps.clock.clearTimeout(t);
    this.retryTimers.delete(messageId);
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
      await this.deps.storage.set(this.storageKey, [...this.unconfirmed.values()]);
    } catch (e) {
      this.hooks.error(e instanceof ParleyError ? e : new ParleyError('STORAGE_FAILED', String(e)));
    }
  }
}
