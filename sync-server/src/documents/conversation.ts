import * as Y from 'yjs';
import { writeAs } from './writers.ts';
import {
  conversationParts,
  epochState,
  highestVersions,
  keyValue,
  LIMITS,
  type ConversationMeta,
  type MessageEntry,
} from '@parley/schema';

/**
 * Writing a conversation document: the server is its only writer (rule D1).
 * Everything here is a pure edit of a Y.Doc; callers decide when and what.
 */

export interface ConversationProjection {
  meta: ConversationMeta;
  reads: Record<string, number>;
  window: MessageEntry[];
  epoch: number;
}

/** Fills an empty document from the index (rule E1: a build always takes a new epoch). */
export function buildConversation(doc: Y.Doc, projection: ConversationProjection): void {
  const parts = conversationParts(doc);
  doc.transact(() => {
    parts.epoch.push([projection.epoch]);
    const meta = keyValue(parts.meta);
    for (const [key, value] of Object.entries(projection.meta)) meta.set(key, value);
    const reads = keyValue(parts.reads);
    for (const [userId, seq] of Object.entries(projection.reads)) reads.set(userId, seq);
    parts.messages.push(projection.window);
  });
}

/**
 * Rule E3: a stored document is trusted only if it holds every message of the
 * index's window at its latest version, in the current epoch. Anything else
 * means state was lost after clients may have seen it.
 */
/** What a stored copy lacks against the index: null when nothing, else a reason for the cut-over's log line. */
export function windowShortfall(doc: Y.Doc, expected: Array<Pick<MessageEntry, 'id' | 'v'>>, epoch: number): string | null {
  const state = epochState(doc);
  if (state.stale || state.epoch !== epoch) return `epoch ${JSON.stringify(conversationParts(doc).epoch.toArray())}, index says ${epoch}`;
  const missing = entriesBehind(doc, expected);
  if (missing.length === 0) return null;
  const positions = missing.slice(0, 5).map((e) => expected.indexOf(e)).join(', ');
  return `${missing.length} of the newest ${expected.length} messages missing or old (newest-first positions ${positions}), e.g. ${missing[0]!.id}@${missing[0]!.v}`;
}

/** The entries the document lacks, or holds at an older version only. */
export function entriesBehind<T extends Pick<MessageEntry, 'id' | 'v'>>(doc: Y.Doc, entries: T[]): T[] {
  const have = highestVersions(conversationParts(doc).messages, (entry) => entry.v);
  return entries.filter((entry) => (have.get(entry.id)?.v ?? 0) < entry.v);
}

/** Replaces each entry's older versions with the given one (edits, recalls, reactions, new messages). */
export function upsertEntries(doc: Y.Doc, entries: MessageEntry[]): void {
  if (entries.length === 0) return;
  const { messages } = conversationParts(doc);
  const ids = new Set(entries.map((e) => e.id));
  doc.transact(() => writeAs(doc, 'messages', () => {
    const items = messages.toArray();
    for (let i = items.length - 1; i >= 0; i--) {
      if (ids.has(items[i]!.id)) messages.delete(i, 1);
    }
    messages.push(entries);
  }));
}

/**
 * Keeps the newest `windowSize` messages. Trims in batches (past
 * `LIMITS.windowTrimFactor` of the size) so a busy conversation does not pay a
 * delete per message.
 */
export function trimWindow(doc: Y.Doc, windowSize: number): void {
  const { messages } = conversationParts(doc);
  if (messages.length <= Math.ceil(windowSize * LIMITS.windowTrimFactor)) return;
  const items = messages.toArray();
  const seqs = [...new Set(items.map((e) => e.seq))].sort((a, b) => b - a);
  const cutoff = seqs[windowSize - 1];
  if (cutoff === undefined) return;
  doc.transact(() => {
    // From the end so earlier positions stay valid; contiguous runs go in one delete.
    let i = items.length - 1;
    while (i >= 0) {
      if (items[i]!.seq >= cutoff) {
        i--;
        continue;
      }
      let start = i;
      while (start > 0 && items[start - 1]!.seq < cutoff) start--;
      messages.delete(start, i - start + 1);
      i = start - 1;
    }
  });
}

export function setMeta(doc: Y.Doc, meta: Partial<ConversationMeta>): void {
  const kv = keyValue(conversationParts(doc).meta);
  doc.transact(() => writeAs(doc, 'meta', () => {
    for (const [key, value] of Object.entries(meta)) {
      if (JSON.stringify(kv.get(key)) !== JSON.stringify(value)) kv.set(key, value);
    }
  }));
}

export function setReads(doc: Y.Doc, reads: Record<string, number>): void {
  const kv = keyValue(conversationParts(doc).reads);
  doc.transact(() => writeAs(doc, 'reads', () => {
    for (const [userId, seq] of Object.entries(reads)) {
      if ((kv.get(userId) ?? -1) < seq) kv.set(userId, seq);
    }
  }));
}

export function removeReads(doc: Y.Doc, userIds: string[]): void {
  const kv = keyValue(conversationParts(doc).reads);
  doc.transact(() => writeAs(doc, 'reads', () => {
    for (const id of userIds) if (kv.has(id)) kv.delete(id);
  }));
}
