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
