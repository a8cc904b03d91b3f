import type { Command } from '@parley/schema';

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
