import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { eachStore } from '@parley/schema/db/testing';
import { DocumentPersistence } from './persistence.ts';

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
});
