import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { KeyValue, type KeyValueChange, type KeyValuePair } from './keyvalue.ts';
import { latestByKey } from './documents.ts';

const arrayOf = (doc: Y.Doc) => doc.getArray<KeyValuePair<number>>('kv');

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function recorder(kv: KeyValue<number>) {
  const seen: Array<Record<string, KeyValueChange<number>>> = [];
  kv.onChange((changes) => seen.push(Object.fromEntries(changes)));
  return seen;
}

describe('KeyValue', () => {
  it('B1: one entry per key in the array, the newest value', () => {
    const doc = new Y.Doc();
    const kv = new KeyValue(arrayOf(doc));
    kv.set('a', 1);
    kv.set('b', 2);
    kv.set('a', 3);
    expect(kv.get('a')).toBe(3);
    expect(kv.has('b')).toBe(true);
    expect(kv.size).toBe(2);
    expect(arrayOf(doc).toArray()).toEqual([{ key: 'b', val: 2 }, { key: 'a', val: 3 }]);
    kv.delete('b');
    kv.delete('missing');
    expect(kv.has('b')).toBe(false);
    expect([...kv.entries()]).toEqual([['a', 3]]);
    expect(arrayOf(doc).toArray()).toEqual([{ key: 'a', val: 3 }]);
  });

  it('reads the layout older copies wrote: the rightmost entry wins, the others are deleted', () => {
    const doc = new Y.Doc();
    arrayOf(doc).push([{ key: 'a', val: 1 }, { key: 'b', val: 2 }, { key: 'a', val: 3 }, { key: 'b', val: 4 }, { key: 'c', val: 5 }]);
    const kv = new KeyValue(arrayOf(doc));
    expect(Object.fromEntries(kv.entries())).toEqual({ a: 3, b: 4, c: 5 });
    expect(arrayOf(doc).toArray()).toEqual([{ key: 'a', val: 3 }, { key: 'b', val: 4 }, { key: 'c', val: 5 }]);
  });

  it('two writes of one key in one transaction leave one entry, the last', () => {
    const doc = new Y.Doc();
    const kv = new KeyValue(arrayOf(doc));
    const seen = recorder(kv);
    doc.transact(() => {
      kv.set('a', 1);
      kv.set('a', 2);
      kv.set('b', 1);
      kv.delete('b');
    });
    expect(arrayOf(doc).toArray()).toEqual([{ key: 'a', val: 2 }]);
    expect(kv.get('a')).toBe(2);
    expect(kv.has('b')).toBe(false);
    expect(seen).toEqual([{ a: { action: 'add', newValue: 2 } }]);
    doc.transact(() => {
      kv.set('a', 3);
      kv.set('a', 4);
    });
    expect(arrayOf(doc).toArray()).toEqual([{ key: 'a', val: 4 }]);
  });

  it('reports what changed, here and from another copy', () => {
    const here = new Y.Doc();
    const there = new Y.Doc();
    const kv = new KeyValue(arrayOf(here));
    const remote = new KeyValue(arrayOf(there));
    const seen = recorder(kv);
    kv.set('a', 1);
    kv.set('a', 2);
    kv.delete('a');
    remote.set('b', 7);
    sync(here, there);
    remote.set('b', 8);
    sync(here, there);
    expect(seen).toEqual([
      { a: { action: 'add', newValue: 1 } },
      { a: { action: 'update', oldValue: 1, newValue: 2 } },
      { a: { action: 'delete', oldValue: 2 } },
      { b: { action: 'add', newValue: 7 } },
      { b: { action: 'update', oldValue: 7, newValue: 8 } },
    ]);
  });

  it('concurrent writers of one key converge on one entry, the same on both copies', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const kvA = new KeyValue(arrayOf(a));
    const kvB = new KeyValue(arrayOf(b));
    kvA.set('k', 0);
    sync(a, b);
    kvA.set('k', 1);
    kvB.set('k', 2);
    kvB.set('only-b', 3);
    sync(a, b);
    sync(a, b);
    expect(kvA.get('k')).toBe(kvB.get('k'));
    expect(arrayOf(a).toArray()).toEqual(arrayOf(b).toArray());
    expect(arrayOf(a).length).toBe(2);
    expect(Object.fromEntries(kvA.entries())).toEqual(Object.fromEntries(latestByKey(arrayOf(a))));
  });

  it('random writes on three copies synced in random order agree with the array', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const kvs = docs.map((doc) => new KeyValue(arrayOf(doc)));
    for (let step = 0; step < 600; step++) {
      const i = Math.floor(random() * 3);
      const key = `k${Math.floor(random() * 5)}`;
      const roll = random();
      if (roll < 0.6) kvs[i]!.set(key, step);
      else if (roll < 0.75) kvs[i]!.delete(key);
      else {
        const j = (i + 1 + Math.floor(random() * 2)) % 3;
        sync(docs[i]!, docs[j]!);
      }
      // Every copy's view always matches its own array.
      const doc = docs[i]!;
      expect(Object.fromEntries(kvs[i]!.entries())).toEqual(Object.fromEntries(latestByKey(arrayOf(doc))));
    }
    for (let round = 0; round < 2; round++) {
      sync(docs[0]!, docs[1]!);
      sync(docs[1]!, docs[2]!);
      sync(docs[0]!, docs[2]!);
    }
    const views = kvs.map((kv) => Object.fromEntries(kv.entries()));
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    const keys = arrayOf(docs[0]!).toArray().map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
