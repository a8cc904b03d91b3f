import type * as Y from 'yjs';

/** One entry of a key/value array: the rightmost entry of a key is its value. */
export interface KeyValuePair<T> {
  key: string;
  val: T;
}

export type KeyValueChange<T> =
  | { action: 'add'; newValue: T }
  | { action: 'update'; oldValue: T; newValue: T }
  | { action: 'delete'; oldValue: T };

export type KeyValueListener<T> = (changes: Map<string, KeyValueChange<T>>, transaction: Y.Transaction) => void;

/**
 * Rewritten key/value state over a Y.Array of `{ key, val }` (docs/protocol.md,
 * B1): a write deletes the key's entry and appends the new one, so the array
 * holds one entry per key and its tombstones merge. Concurrent writers of one
 * key (two tabs, two instances) leave two entries; the rightmost wins, and the
 * first copy to see both deletes the other. This is the layout y-utility's
 * YKeyValue writes, so documents stored by either read the same.
 *
 * Unlike YKeyValue, a change costs no transaction of its own: the index of
 * live entries follows each transaction's added and deleted entries, and the
 * array is read again only when those leave two live entries for one key.
 * Reads inside a transaction see the state before it, as with YKeyValue.
 */
export class KeyValue<T> {
  /** The live entry of each key; entries are compared by identity (Yjs hands back the stored objects). */
  private readonly live = new Map<string, KeyValuePair<T>>();
  private readonly listeners = new Set<KeyValueListener<T>>();

  constructor(private readonly array: Y.Array<KeyValuePair<T>>) {
    this.reindex();
    array.observe((event, transaction) => this.changed(event, transaction));
  }

  get(key: string): T | undefined {
    return this.live.get(key)?.val;
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  get size(): number {
    return this.live.size;
  }

  *entries(): IterableIterator<[string, T]> {
    for (const [key, pair] of this.live) yield [key, pair.val];
  }

  set(key: string, val: T): void {
    this.doc().transact(() => {
      if (this.live.has(key)) this.delete(key);
      this.array.push([{ key, val }]);
    });
  }

  /** Deletes every live entry of `key`, also one written earlier in the same transaction. */
  delete(key: string): void {
    const indexes: number[] = [];
    this.array.forEach((pair, index) => {
      if (pair.key === key) indexes.push(index);
    });
    if (indexes.length === 0) return;
    this.doc().transact(() => {
      for (let i = indexes.length - 1; i >= 0; i--) this.array.delete(indexes[i]!, 1);
    });
  }

  /** Called after each transaction that changed keys, with what changed. Returns the unsubscribe. */
  onChange(listener: KeyValueListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(event: Y.YArrayEvent<KeyValuePair<T>>, transaction: Y.Transaction) {
    const before = new Map<string, KeyValuePair<T> | undefined>();
    const touch = (key: string) => {
      if (!before.has(key)) before.set(key, this.live.get(key));
    };
    // One walk over the array's items, asking the event which it added and deleted:
    // `event.changes` would also build a delta and two sets per transaction.
    const added: Y.Item[] = [];
    for (let item = this.array._start; item !== null; item = item.right) {
      if (!item.deleted) {
        if (event.adds(item)) added.push(item);
        continue;
      }
      if (!event.deletes(item) || event.adds(item)) continue;
      for (const pair of item.content.getContent() as Array<KeyValuePair<T>>) {
        touch(pair.key);
        if (this.live.get(pair.key) === pair) this.live.delete(pair.key);
      }
    }
    let tangled = false;
    for (const item of added) {
      for (const pair of item.content.getContent() as Array<KeyValuePair<T>>) {
        touch(pair.key);
        if (this.live.has(pair.key)) tangled = true;
        else this.live.set(pair.key, pair);
      }
    }
    // Two live entries for one key: only the array's order says which one wins.
    if (tangled) this.reindex();
    if (this.listeners.size === 0) return;
    const changes = new Map<string, KeyValueChange<T>>();
    for (const [key, old] of before) {
      const now = this.live.get(key);
      if (now === old) continue;
      if (old && now) changes.set(key, { action: 'update', oldValue: old.val, newValue: now.val });
      else if (now) changes.set(key, { action: 'add', newValue: now.val });
      else if (old) changes.set(key, { action: 'delete', oldValue: old.val });
    }
    if (changes.size === 0) return;
    for (const listener of this.listeners) listener(changes, transaction);
  }

  /** Reads the whole array: the rightmost entry of each key wins, the others are deleted. */
  private reindex() {
    this.live.clear();
    const pairs = this.array.toArray();
    const losers: number[] = [];
    for (let i = pairs.length - 1; i >= 0; i--) {
      const pair = pairs[i]!;
      if (this.live.has(pair.key)) losers.push(i);
      else this.live.set(pair.key, pair);
    }
    if (losers.length === 0) return;
    // Highest index first, so the lower ones stay valid.
    this.doc().transact(() => {
      for (const index of losers) this.array.delete(index, 1);
    });
  }

  private doc(): Y.Doc {
    const doc = this.array.doc;
    if (!doc) throw new Error('KeyValue: the array is not part of a document');
    return doc;
  }
}
