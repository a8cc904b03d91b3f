import type * as Y from 'yjs';
import type { ParleyError } from '@parley/schema';

/** A Y.Doc bound to local storage: what is stored is loaded into it, what changes is written. */
export interface DocPersistence {
  /** Resolves once the stored state is in the document. */
  readonly whenLoaded: Promise<void>;
  /** True if storage held anything for this document when it was opened. */
  readonly hadState: () => boolean;
  /** Stop writing; keep the data. */
  destroy(): Promise<void>;
  /** Stop writing and delete the stored state (rule E2: dropping a stale epoch). */
  clear(): Promise<void>;
}

/**
 * Everything the SDK keeps on the device (rules SDK-S1–SDK-S3). Two adapters ship:
 * IndexedDB (browsers; fake-indexeddb in Node tests) and memory (Node). Write
 * failures, quota above all, are reported as STORAGE_FAILED, never swallowed.
 */
export interface ClientStorage {
  persistDoc(name: string, doc: Y.Doc, onError: (error: ParleyError) => void): DocPersistence;
  /** JSON values: history pages, conversation summaries, unconfirmed sends. */
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}
