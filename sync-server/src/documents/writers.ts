import type * as Y from 'yjs';

/**
 * Rule B1: nothing grows with the number of writes. Yjs folds deleted items
 * into one run only when their clocks are contiguous for one client. A server
 * that pushes a message, then rewrites a read marker, then pushes the next
 * message interleaves two structures in one clock space, and every deleted
 * message stays behind as its own tombstone (measured: ~10 B a message, for
 * ever). So each structure the server writes gets a client id of its own, per
 * document and process; its deleted items then merge into a single run.
 */
const writers = new WeakMap<Y.Doc, Map<string, number>>();

export function writeAs(doc: Y.Doc, structure: string, write: () => void): void {
  let ids = writers.get(doc);
  if (!ids) {
    ids = new Map();
    writers.set(doc, ids);
  }
  let id = ids.get(structure);
  if (id === undefined) {
    // Same range as Yjs's own client ids: a random unsigned 32-bit integer.
    id = Math.floor(Math.random() * 0x1_0000_0000);
    ids.set(structure, id);
  }
  const own = doc.clientID;
  doc.clientID = id;
  try {
    write();
  } finally {
    doc.clientID = own;
  }
}

/**
 * Rule O16: the server's writes to one document within one event-loop turn
 * become one transaction, so one update, one frame per connection and one
 * update-log row, where each would otherwise be its own. They run in call
 * order in the check phase; a write that throws rejects its own promise alone.
 */
type Batch = Array<{ write: () => void; settle: (error?: unknown) => void }>;
const batches = new WeakMap<Y.Doc, Map<unknown, Batch>>();

export function writeSoon(doc: Y.Doc, origin: unknown, write: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
    let byOrigin = batches.get(doc);
    if (!byOrigin) {
      byOrigin = new Map();
      batches.set(doc, byOrigin);
    }
    const queued = byOrigin.get(origin);
    if (queued) {
      queued.push({ write, settle });
      return;
    }
    const batch: Batch = [{ write, settle }];
    byOrigin.set(origin, batch);
    const pending = byOrigin;
    setImmediate(() => {
      pending.delete(origin);
      const outcomes: unknown[] = [];
      doc.transact(() => {
        for (const { write } of batch) {
          try {
            write();
            outcomes.push(undefined);
          } catch (error) {
            outcomes.push(error ?? new Error('write failed'));
          }
        }
      }, origin);
      batch.forEach(({ settle }, i) => settle(outcomes[i]));
    });
  });
}
