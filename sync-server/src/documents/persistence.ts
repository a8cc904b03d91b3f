import * as Y from 'yjs';
import type { Transaction } from 'kysely';
import type { Database, Store } from '@parley/schema/db';

/**
 * Document persistence (docs/protocol.md, P1–P3): a snapshot per document plus
 * an append-only log of the updates applied since. The log is written right
 * after a change is applied and before its command is acknowledged, so what a
 * client was sent survives a kill -9; snapshots compact the log later.
 */
export class DocumentPersistence {
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
    await retryDeadlock(() => this.store.db.insertInto('document_updates').values({ name, data, created_at: Date.now() }).execute());
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
