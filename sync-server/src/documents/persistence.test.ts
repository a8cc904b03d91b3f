import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { eachStore } from '@parley/schema/db/testing';
import { DocumentPersistence } from './persistence.ts';

/** The update that pushes `value` onto the document's list, as the hub logs one: applied, then appended. */
function change(doc: Y.Doc, value: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getArray<string>('n').push([value]);
  return Y.encodeStateAsUpdate(doc, before);
}

/** What the store holds of `name` (snapshot and log) builds the list `doc` has. */
async function expectStored(persistence: DocumentPersistence, name: string, doc: Y.Doc) {
  const copy = new Y.Doc();
  for (const update of (await persistence.load(name)) ?? []) Y.applyUpdate(copy, update);
  expect(copy.getArray<string>('n').toArray()).toEqual(doc.getArray<string>('n').toArray());
}

eachStore('document persistence', (getStore) => {
  it('P1–P3: a load racing snapshot stores always holds every update logged before it began', async () => {
    const persistence = new DocumentPersistence(getStore());
    const name = 'conversation:race';
    const doc = new Y.Doc();
    const list = doc.getArray<number>('n');
    let logged = 0;
    for (let round = 0; round < 150; round++) {
      // Log one more change, the way the hub does: applied, then appended.
      const before = Y.encodeStateVector(doc);
      list.push([round]);
      await persistence.appendUpdates(name, [Y.encodeStateAsUpdate(doc, before)]);
      logged = round + 1;
      const expected = logged;
      const [, loaded] = await Promise.all([persistence.storeSnapshot(name, doc), persistence.load(name)]);
      const copy = new Y.Doc();
      for (const update of loaded ?? []) Y.applyUpdate(copy, update);
      expect(copy.getArray<number>('n').length, `round ${round}`).toBeGreaterThanOrEqual(expected);
    }
  });

  it('P6: appends made while an insert of the log is under way share the next one', async () => {
    const store = getStore();
    let inserts = 0;
    // Inserts are slow, as under load: past the two under way, the appends of the turns meanwhile wait, not add statements.
    const slowed = {
      ...store,
      db: store.db.withPlugin({
        transformQuery: (args) => {
          if (args.node.kind === 'InsertQueryNode') inserts++;
          return args.node;
        },
        transformResult: async (args) => {
          if (args.result.numAffectedRows !== undefined) await new Promise((r) => setTimeout(r, 50));
          return args.result;
        },
      }),
    };
    const persistence = new DocumentPersistence(slowed);
    const docs = Array.from({ length: 20 }, (_, i) => ({ name: `user:p6-${i}`, doc: new Y.Doc() }));
    const appended: Array<Promise<void>> = [];
    for (const { name, doc } of docs) {
      appended.push(persistence.appendUpdates(name, [change(doc, name)]));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(appended);
    // The first turn's, the second's, then one for the other 18.
    expect(inserts).toBe(3);
    for (const { name, doc } of docs) await expectStored(persistence, name, doc);
  });

  it('P8: a client\'s own change waits for another append to share its insert, and goes alone after a moment', async () => {
    const store = getStore();
    let inserts = 0;
    const counted = { ...store, db: store.db.withPlugin({
      transformQuery: (args) => {
        if (args.node.kind === 'InsertQueryNode') inserts++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    }) };
    const user = new Y.Doc();
    const conversation = new Y.Doc();
    // A command arrives (lazy); a few turns later the server's change to the conversation goes, and takes it along.
    const waiting = new DocumentPersistence(counted, 60_000);
    const command = waiting.appendUpdates('user:p8', [change(user, 'command')], { lazy: true });
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(inserts).toBe(0);
    await waiting.appendUpdates('conversation:p8', [change(conversation, 'message')]);
    await command;
    expect(inserts).toBe(1);
    // Nobody else writes: it goes by itself.
    inserts = 0;
    await new DocumentPersistence(counted, 20).appendUpdates('user:p8', [change(user, 'draft')], { lazy: true });
    expect(inserts).toBe(1);
    await expectStored(waiting, 'user:p8', user);
    await expectStored(waiting, 'conversation:p8', conversation);
  });

  it('P7: snapshots requested together share their statements, and each holds what its document had', async () => {
    const store = getStore();
    let statements = 0;
    const counted = { ...store, db: store.db.withPlugin({ transformQuery: (args) => { statements++; return args.node; }, transformResult: async (args) => args.result }) };
    const persistence = new DocumentPersistence(counted);
    const docs = Array.from({ length: 40 }, (_, i) => ({ name: `user:p7-${i}`, doc: new Y.Doc() }));
    for (const { name, doc } of docs) {
      for (let k = 0; k < 3; k++) await persistence.appendUpdates(name, [change(doc, `${name}/${k}`)]);
    }
    statements = 0;
    const first = docs[0]!;
    const stored = docs.map(({ name, doc }) => persistence.storeSnapshot(name, doc));
    // A second request for a document already waiting joins it, with the newer state.
    first.doc.getArray<string>('n').push(['late']);
    stored.push(persistence.storeSnapshot(first.name, first.doc));
    await Promise.all(stored);
    // A look-up, begin, one upsert, one delete, commit: not five per document.
    expect(statements).toBeLessThanOrEqual(5);
    const left = await store.db.selectFrom('document_updates').select('name').where('name', 'in', docs.map((d) => d.name)).execute();
    expect(left).toEqual([]);
    for (const { name, doc } of docs) await expectStored(persistence, name, doc);
    expect(docs[0]!.doc.getArray<string>('n').toArray().at(-1)).toBe('late');
  });
});
