import * as Y from 'yjs';
import type { ClientStorage, DocPersistence } from './types.ts';

/**
 * Storage in memory. A client built on the same instance again finds what the
 * previous one wrote, which is how Node programs and tests model a page reload.
 */
export function memoryStorage(): ClientStorage & { docNames(): string[] } {
  const docs = new Map<string, Uint8Array[]>();
  const values = new Map<string, string>();

  return {
    docNames: () => [...docs.keys()],
    persistDoc(name, doc): DocPersistence {
      const origin = { storage: 'memory', name };
      const stored = docs.get(name) ?? [];
      const hadState = stored.length > 0;
      docs.set(name, stored);
      if (hadState) {
        const merged = Y.mergeUpdates(stored);
        stored.splice(0, stored.length, merged);
        Y.applyUpdate(doc, merged, origin);
      }
      const onUpdate = (update: Uint8Array, from: unknown) => {
        if (from === origin) return;
        const list = docs.get(name);
        if (!list) return;
        list.push(update);
        if (list.length > 500) list.splice(0, list.length, Y.mergeUpdates(list));
      };
      doc.on('update', onUpdate);
      let active = true;
      const stop = () => {
        if (active) doc.off('update', onUpdate);
        active = false;
      };
      return {
        whenLoaded: Promise.resolve(),
        hadState: () => hadState,
        destroy: async () => stop(),
        clear: async () => {
          stop();
          docs.delete(name);
        },
      };
    },
    // Values are kept as JSON so callers never share mutable objects with the store.
    get: async <T>(key: string) => {
      const v = values.get(key);
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    set: async (key, value) => {
      values.set(key, JSON.stringify(value));
    },
    delete: async (key) => {
      values.delete(key);
    },
  };
}
