import { ParleyError } from '@parley/schema';
import { IndexeddbPersistence } from 'y-indexeddb';
import type { ClientStorage, DocPersistence } from './types.ts';

/**
 * IndexedDB storage: y-indexeddb for documents (one database per document, its
 * usual layout) and one small key/value database for JSON. y-indexeddb does not
 * surface failed writes, so errors are caught where IndexedDB bubbles them: a
 * failed request or aborted transaction fires `error`/`abort` on its database.
 */
export function indexedDbStorage(options: { prefix?: string; factory?: IDBFactory } = {}): ClientStorage {
  const prefix = options.prefix ?? 'parley:';
  const factory = () => options.factory ?? globalThis.indexedDB;
  let kv: Promise<IDBDatabase> | null = null;

  const openKv = () => {
    kv ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory().open(`${prefix}cache`, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('kv');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(storageError('open the cache', req.error));
    });
    return kv;
  };

  const run = async <T>(mode: IDBTransactionMode, what: string, fn: (store: IDBObjectStore) => IDBRequest): Promise<T> => {
    const db = await openKv();
    return new Promise<T>((resolve, reject) => {
      let result: T;
      const tx = db.transaction('kv', mode);
      const req = fn(tx.objectStore('kv'));
      req.onsuccess = () => { result = req.result as T; };
      tx.oncomplete = () => resolve(result);
      tx.onabort = () => reject(storageError(what, tx.error ?? req.error));
      tx.onerror = (e) => {
        e.preventDefault();
      };
    });
  };

  return {
    persistDoc(name, doc, onError): DocPersistence {
      const dbName = prefix + name;
      const persistence = new IndexeddbPersistence(dbName, doc);
      const db = (persistence as unknown as { _db: Promise<IDBDatabase> })._db;
      let hadState = false;
      const report = (event: Event) => {
        const target = event.target as IDBRequest | IDBTransaction | null;
        onError(storageError(`write ${name}`, (target as { error?: DOMException | null } | null)?.error ?? null));
      };
      void db.then((d) => {
        d.addEventListener('error', report);
        d.addEventListener('abort', report);
      }, (e: unknown) => onError(storageError(`open ${name}`, e)));
      const before = doc.store.clients.size;
      const whenLoaded = persistence.whenSynced.then(() => {
        hadState = doc.store.clients.size > before;
      });
      return {
        whenLoaded,
        hadState: () => hadState,
        destroy: () => persistence.destroy(),
        clear: async () => {
          await persistence.destroy();
          await new Promise<void>((resolve) => {
            const req = factory().deleteDatabase(dbName);
            req.onsuccess = () => resolve();
            req.onerror = () => { onError(storageError(`clear ${name}`, req.error)); resolve(); };
            // Another tab still holds it open; it clears its own copy when it sees the new epoch.
            req.onblocked = () => resolve();
          });
        },
      };
    },
    get: <T>(key: string) => run<T | undefined>('readonly', `read ${key}`, (s) => s.get(key)),
    set: (key, value) => run<void>('readwrite', `write ${key}`, (s) => s.put(value, key)),
    delete: (key) => run<void>('readwrite', `delete ${key}`, (s) => s.delete(key)),
  };
}

export function storageError(what: string, cause: unknown): ParleyError {
  const name = (cause as { name?: string } | null)?.name;
  const detail = cause instanceof Error || (cause && typeof cause === 'object' && 'message' in cause) ? (cause as Error).message : String(cause);
  const quota = name === 'QuotaExceededError' ? ' (storage quota exceeded)' : '';
  return new ParleyError('STORAGE_FAILED', `could not ${what}${quota}: ${detail}`);
}
