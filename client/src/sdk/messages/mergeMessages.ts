import type { MemberInfo, Message, ParleyErrorBody, SendCommand } from '@parley/schema';
import { highestVersions, RETRYABLE_CODES } from '@parley/schema';

export type MessageStatus = 'pending' | 'sent' | 'failed';

/** A message as the SDK shows it: sent ones have a seq, pending ones not yet. */
export interface ChatMessage extends Omit<Message, 'seq'> {
  seq: number | null;
  status: MessageStatus;
  /** Set when status is 'failed'. */
  error?: ParleyErrorBody;
  /** A failed message whose code is retryable (RATE_LIMITED, INTERNAL, …). */
  retryable?: boolean;
  /** Members other than the sender whose read marker reached this message. */
  readBy: number;
  mine: boolean;
}

/** A send the server has not confirmed: in the outbox, held for its media, or failed. */
export interface PendingSend {
  command: SendCommand;
  error?: ParleyErrorBody;
}

export interface MergeInput {
  conversationId: string;
  me: string;
  /** Pages from the history API and the cache, any order, may overlap the window. */
  history: Iterable<Message>;
  /** The document window (windowMessages + toMessage). */
  window: Iterable<Message>;
  pending: Iterable<PendingSend>;
  members?: readonly MemberInfo[];
  reads?: ReadonlyMap<string, number>;
  /** Messages with seq ≤ this are hidden ("clear history"). */
  clearedBefore?: number;
}

/**
 * The message list (rules SDK-M1–SDK-M5):
 *  SDK-M1 one entry per message id; of two copies the higher version wins;
 *  SDK-M2 sent messages ordered by seq, never by array position or arrival;
 *  SDK-M3 unconfirmed sends last, in creation order;
 *  SDK-M4 a send whose message id already has a seq is shown once, as sent;
 *  SDK-M5 seq ≤ clearedBefore is hidden.
 */
export function mergeMessages(input: MergeInput): ChatMessage[] {
  const byId = highestVersions([...input.history, ...input.window], (m) => m.version);

  const cleared = input.clearedBefore ?? 0;
  const sent: ChatMessage[] = [];
  for (const m of byId.values()) {
    if (m.seq <= cleared) continue;
    sent.push({
      ...m,
      status: 'sent',
      readBy: readByCount(m, input.members, input.reads),
      mine: m.senderId === input.me,
    });
  }
  sent.sort((a, b) => a.seq! - b.seq!);

  const pending: ChatMessage[] = [];
  const seenPending = new Set<string>();
  for (const p of input.pending) {
    const c = p.command;
    if (c.conversationId !== input.conversationId) continue;
    if (byId.has(c.messageId) || seenPending.has(c.messageId)) continue;
    seenPending.add(c.messageId);
    pending.push(pendingMessage(p, input.me));
  }
  pending.sort((a, b) => a.createdAt - b.createdAt);
  return sent.concat(pending);
}

function pendingMessage({ command: c, error }: PendingSend, me: string): ChatMessage {
  const message: ChatMessage = {
    id: c.messageId,
    conversationId: c.conversationId,
    seq: null,
    senderId: me,
    kind: c.kind,
    text: c.text,
    createdAt: c.createdAt,
    version: 0,
    status: error ? 'failed' : 'pending',
    readBy: 0,
    mine: true,
  };
  if (c.media) message.media = c.media;
  if (error) {
    message.error = error;
    message.retryable = RETRYABLE_CODES.has(error.code);
  }
  return message;
}

/** "Read by N": members other than the sender whose last read seq ≥ the message's seq. */
export function readByCount(
  message: Pick<Message, 'seq' | 'senderId'>,
  members: readonly MemberInfo[] | undefined,
  reads: ReadonlyMap<string, number> | undefined,
): number {
  if (!reads) return 0;
  let n = 0;
  const ids = members ? members.map((m) => m.userId) : [...reads.keys()];
  for (const id of ids) {
    if (id === message.senderId) continue;
    if ((reads.get(id) ?? 0) >= message.seq) n++;
  }
  return n;
}
