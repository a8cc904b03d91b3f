import * as Y from 'yjs';
import type { Transaction } from 'kysely';
import type { Database, Store } from '@parley/schema/db';

/**
 * Document persistence (docs/protocol.md, P1–P3): a snapshot per document plus
 * an append-only log of the updates applied since. The log is written right
 * after a change is applied and before its command is acknowledged, so what a
 * client was sent survives a kill -9; snapshots compact the log later.
 */
/** Log rows per insert, and their bytes: well inside MySQL's max_allowed_packet and SQLite's variable limit. */
const APPEND_ROWS = 500;
const APPEND_BYTES = 4 * 1024 * 1024;

interface Append {
  name: string;
  data: Uint8Array;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class DocumentPersistence {
  /** Appends waiting for the next turn of the event loop (rule P6). */
  private appends: Append[] | null = null;

  constructor(private readonly store: Store) {}

  /**
   * Snapshot and logged updates of a document; null when it was never stored.
   * Both are read in one transaction: a store committing between two separate
   * reads would hand out the old snapshot with the log it had just pruned.
   */
  async load(name: string): Promise<Uint8Array[] | null> {
    const { snapshot, updates } = await this.store.db.transaction().execute(async (trx) => ({
      snapshot: await trx.selectFrom('documents').select('data').where('name', '=', name).executeTakeFirst(),
      updates: await trx.selectFrom('document_updates').select('data').where('name', '=', name).orderBy('id').execute(),
    }));
    if (!snapshot && updates.length === 0) return null;
    return [...(snapshot ? [toBytes(snapshot.data)] : []), ...updates.map((u) => toBytes(u.data))];
  }

  /** Rule P2: appended before the change is acknowledged. */
  async appendUpdates(name: string, updates: Uint8Array[]): Promise<void> {
    if (updates.length === 0) return;
    const data = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    return new Promise<void>((resolve, reject) => {
      if (!this.appends) {
        this.appends = [];
        setImmediate(() => void this.writeAppends());
      }
      this.appends.push({ name, data, resolve, reject });
    });
  }

  /**
   * Rule P6: the log appends of one event-loop turn, across documents (a group
   * commit's conversations, its senders' results, the inboxes it moved), are one
   * multi-row insert, not one statement per document. Each caller is answered
   * when its rows are in; a failed insert fails only the appends it carried.
   */
  private async writeAppends() {
    const appends = this.appends ?? [];
    this.appends = null;
    const at = Date.now();
    const chunks: Append[][] = [];
    let chunk: Append[] = [];
    let bytes = 0;
    for (const append of appends) {
      if (chunk.length === 0 || chunk.length >= APPEND_ROWS || bytes + append.data.length > APPEND_BYTES) {
        chunk = [];
        chunks.push(chunk);
        bytes = 0;
      }
      chunk.push(append);
      bytes += append.data.length;
    }
    await Promise.all(chunks.map(async (rows) => {
      try {
        await retryDeadlock(() => this.store.db.insertInto('document_updates').values(rows.map((a) => ({ name: a.name, data: a.data, created_at: at }))).execute());
        for (const a of rows) a.resolve();
      } catch (error) {
        for (const a of rows) a.reject(error);
      }
    }));
  }

  /**
   * Rule P3: writes the snapshot and drops the log entries it contains. Every
   * logged update was applied to the document before it was logged, so entries
   * up to the highest id seen before encoding are inside the snapshot.
   */
  async storeSnapshot(name: string, doc: Y.Doc): Promise<void> {
    const { db } = this.store;
    const last = await db
      .selectFrom('document_updates')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('name', '=', name)
      .executeTakeFirst();
    const upTo = last?.id == null ? null : Number(last.id);
    const data = Y.encodeStateAsUpdate(doc);
    await this.replace(name, data, upTo);
  }

  /**
   * Replaces a document outright (an epoch cut-over): snapshot in, whole log out,
   * in the transaction in which `claim` took the build (rule E1). Returns false,
   * writing nothing, when `claim` answers false: another builder took it first.
   */
  async resetIf(name: string, doc: Y.Doc, claim: (trx: Transaction<Database>) => Promise<boolean>): Promise<boolean> {
    const data = Y.encodeStateAsUpdate(doc);
    return retryDeadlock(() => this.store.db.transaction().execute(async (trx) => {
      if (!(await claim(trx))) return false;
      await this.write(trx, name, data, Number.MAX_SAFE_INTEGER);
      return true;
    }));
  }

  private async replace(name: string, data: Uint8Array, logUpTo: number | null) {
    await retryDeadlock(() => this.store.db.transaction().execute((trx) => this.write(trx, name, data, logUpTo)));
  }

  private async write(trx: Transaction<Database>, name: string, data: Uint8Array, logUpTo: number | null) {
    const now = Date.now();
    const insert = trx.insertInto('documents').values({ name, data, updated_at: now });
    if (this.store.dialect === 'mysql') await insert.onDuplicateKeyUpdate({ data, updated_at: now }).execute();
    else await insert.onConflict((oc) => oc.column('name').doUpdateSet({ data, updated_at: now })).execute();
    if (logUpTo !== null) {
      await trx.deleteFrom('document_updates').where('name', '=', name).where('id', '<=', logUpTo).execute();
    }
  }
}

/**
 * InnoDB may pick a snapshot's log pruning or an append of another instance as a
 * deadlock victim (gap locks on `document_updates`); the transaction is rolled
 * back whole and simply runs again.
 */
async function retryDeadlock<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || (error as { code?: unknown } | null)?.code !== 'ER_LOCK_DEADLOCK') throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

function toBytes(data: Uint8Array | Buffer): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
