import type { Command, SendCommand } from '@parley/schema';

/**
 * Outbox ordering (rule SDK-Q1): the server drains the outbox in array order, so a
 * command is inserted after every pending command of equal or higher priority
 * and before the lower ones. A short text therefore never waits behind a big
 * media message queued earlier, and equal priorities keep their send order.
 */
export const PRIORITY = { text: 5, media: 3, control: 5 } as const;

export function priorityOf(command: Command): number {
  if (command.type === 'send') return command.priority ?? (command.kind === 'text' ? PRIORITY.text : PRIORITY.media);
  return PRIORITY.control;
}

export function insertionIndex(outbox: readonly Command[], command: Command): number {
  const p = priorityOf(command);
  let index = 0;
  outbox.forEach((queued, i) => {
    if (priorityOf(queued) >= p) index = i + 1;
  });
  return index;
}

/**
 * Rule SDK-Q2: the retry of command `id` gets a derived id, the same in every tab and
 * device that retries it, so two tabs retrying one failure append one command
 * (the server applies an id at most once) and the messageId stays the same.
 */
export function retryCommandId(id: string): string {
  const m = /^(.*)-r(\d+)$/.exec(id);
  const base = m ? m[1]! : id;
  const n = m ? Number(m[2]) + 1 : 1;
  const suffix = `-r${n}`;
  return base.slice(0, 64 - suffix.length) + suffix;
}

export function retryAttemptOf(id: string): number {
  const m = /-r(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

/** Typed order of two sends: when they were written, then their (time-ordered UUIDv7) message ids. */
export function typedOrder(a: SendCommand, b: SendCommand): number {
  return a.createdAt - b.createdAt || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);
}

/**
 * Rule SDK-Q3: a retried (or held) send goes back to its own place: where SDK-Q1 would
 * put it, but never behind a send of the same conversation that was typed after
 * it. The server drains in array order, so the conversation keeps the order typed.
 */
export function retryInsertionIndex(outbox: readonly Command[], command: SendCommand): number {
  const byPriority = insertionIndex(outbox, command);
  const later = outbox.findIndex((queued) =>
    queued?.type === 'send' && queued.conversationId === command.conversationId && queued.messageId !== command.messageId && typedOrder(queued, command) > 0);
  return later === -1 ? byPriority : Math.min(byPriority, later);
}
