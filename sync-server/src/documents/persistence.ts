import * as Y from 'yjs';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Store } from '@parley/schema/db';
import { caseOf } from '../index/case.ts';
import { retryDeadlock } from '../index/errors.ts';
import { inSteps } from '../index/pipeline.ts';

/**
 * Document persistence (docs/protocol.md, P1–P3): a snapshot per document plus
 * an append-only log of the updates applied since. The log is written right
 * after a change is applied and before its command is acknowledged, so what a
 * client was sent survives a kill -9; snapshots compact the log later.
 */
/** Rows per statement, and their bytes: well inside MySQL's max_allowed_packet and SQLite's variable limit. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;
/** Rule P7: how long a snapshot waits for others to share its statements. */
const SNAPSHOT_WINDOW_MS = 20;
/** Rule P7: the longest a batch encodes its snapshots before it lets other work run. */
const ENCODE_SLICE_MS = 4;
/** Rule P6: inserts of the log under way at once. */
const APPENDS_IN_FLIGHT = 2;
/**
 * Rule P8: how long a client's own change waits for company. A send's command
 * arrives as one; its group commit (two round trips, O15) then projects into
 * the conversation, whose append takes the waiting one along.
 */
const LAZY_APPEND_MS = 5;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Append extends Waiter {
  name: string;
  data: Uint8Array;
}

interface Snapshot {
  doc: Y.Doc;
  waiters: Waiter[];
}

export class DocumentPersistence {
  /** Appends waiting for the next insert (rule P6). */
  private appends: Append[] = [];
  /** Rule P6: inserts of the log under way; past APPENDS_IN_FLIGHT, appends made meanwhile wait and share the next. */
  private appending = 0;
  /** A write of the appends is coming in the next turn. */
  private soon = false;
  /** Rule P8: the timer that writes lazy appends nobody took along. */
  private later: NodeJS.Timeout | null = null;
  /** Snapshots waiting for the window to close, by document name (rule P7). */
  private snapshots: Map<string, Snapshot> | null = null;

  constructor(
    private readonly store: Store,
    /** Rule P8 (a test waits longer, to see an append taken along whatever the machine's speed). */
    private readonly lazyAppendMs = LAZY_APPEND_MS,
  ) {}

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

  /**
   * Rule P2: appended before the change is acknowledged. A row per update, in
   * order: merging them first cost more than the rows (the snapshot folds them).
   * Rule P8: a `lazy` append (a client's own change, which nothing waits for)
   * waits up to `lazyAppendMs` for another append to share its insert.
   */
  async appendUpdates(name: string, updates: Uint8Array[], options: { lazy?: boolean } = {}): Promise<void> {
    if (updates.length === 0) return;
    const written = Promise.all(updates.map((data) => new Promise<void>((resolve, reject) => this.appends.push({ name, data, resolve, reject }))));
    if (options.lazy) this.writeLater();
    else this.hurry();
    await written;
  }

  /** The appends waiting go in the next turn's insert (or the one after an insert under way, P6). */
  hurry() {
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      void this.writeAppends();
    });
  }

  /** Rule P8: lazy appends go when another append goes, or after `lazyAppendMs`. */
  private writeLater() {
    if (this.later) return;
    this.later = setTimeout(() => {
      this.later = null;
      void this.writeAppends();
    }, this.lazyAppendMs);
  }

  /**
   * Rule P6: the log appends of one event-loop turn, across documents (a group
   * commit's conversations, its senders' results, the inboxes it moved), are one
   * multi-row insert, not one statement per document; while two inserts are under
   * way, the appends made meanwhile wait for one of them and then share one. Each caller
   * is answered when its rows are in; a failed insert fails only the appends it carried.
   */
  private async writeAppends(): Promise<void> {
    if (this.appending >= APPENDS_IN_FLIGHT || this.appends.length === 0) return;
    const appends = this.appends;
    this.appends = [];
    this.appending++;
    const at = Date.now();
    try {
      await Promise.all(chunked(appends, (a) => a.data.length).map((rows) => answer(rows, () =>
        retryDeadlock(() => this.store.db.insertInto('document_updates').values(rows.map((a) => ({ name: a.name, data: a.data, created_at: at }))).execute()))));
    } finally {
      this.appending--;
      void this.writeAppends();
    }
  }

  /**
   * Rule P3: writes the snapshot and drops the log entries it contains. Rule
   * P7: the snapshots requested within a short window, across documents, share
   * their statements; a second request for a document already waiting joins it.
   */
  storeSnapshot(name: string, doc: Y.Doc): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.snapshots) {
        this.snapshots = new Map();
        setTimeout(() => void this.writeSnapshots(), SNAPSHOT_WINDOW_MS);
      }
      const waiting = this.snapshots.get(name);
      if (waiting) {
        waiting.doc = doc;
        waiting.waiters.push({ resolve, reject });
      } else this.snapshots.set(name, { doc, waiters: [{ resolve, reject }] });
    });
  }

  /**
   * Every logged update was applied to its document before it was logged, so a
   * document's entries up to the highest id seen before it is encoded are inside
   * its snapshot. Per batch: one look-up of those ids, then one transaction with
   * one multi-row upsert of the snapshots and one delete of the entries they hold.
   */
  private async writeSnapshots() {
    const snapshots = [...(this.snapshots ?? [])];
    this.snapshots = null;
    await Promise.all(chunked(snapshots, () => 0).map((batch) => answer(batch.flatMap(([, s]) => s.waiters), async () => {
      const { db } = this.store;
      const highest = await db.selectFrom('document_updates').select(['name', (eb) => eb.fn.max('id').as('id')])
        .where('name', 'in', batch.map(([name]) => name)).groupBy('name').execute();
      const now = Date.now();
      const rows: Array<{ name: string; data: Uint8Array; updated_at: number }> = [];
      let slice = performance.now();
      for (const [name, { doc }] of batch) {
        rows.push({ name, data: Y.encodeStateAsUpdate(doc), updated_at: now });
        // Hundreds of documents encoded in one go would hold every command back that long.
        if (performance.now() - slice > ENCODE_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
      }
      const logged = highest.filter((h) => h.id != null).map((h) => [h.name, Number(h.id)] as const);
      const upTo = caseOf(logged.map(([name, id]) => [sql`${sql.ref('name')} = ${name}`, id]));
      const prune = logged.length ? [db.deleteFrom('document_updates').where('name', 'in', logged.map(([name]) => name)).where('id', '<=', upTo)] : [];
      // The snapshots' bytes are known only now: a batch of large documents takes several
      // upserts, a step each (one query stays well inside max_allowed_packet); rule O15:
      // the last one goes with the pruning and the commit.
      const upserts = chunked(rows, (r) => r.data.length).map((chunk) => this.upsert(db, chunk));
      await retryDeadlock(() => inSteps(db, this.store.dialect, async (step) => {
        for (const upsert of upserts.slice(0, -1)) await step([upsert]);
        await step([upserts.at(-1)!, ...prune], { commit: true });
      }));
    })));
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

  private async write(trx: Transaction<Database>, name: string, data: Uint8Array, logUpTo: number) {
    await this.upsert(trx, [{ name, data, updated_at: Date.now() }]).execute();
    await trx.deleteFrom('document_updates').where('name', '=', name).where('id', '<=', logUpTo).execute();
  }

  /** Inserts the snapshots, replacing the stored ones: one statement for all of them. */
  private upsert(db: Kysely<Database>, rows: Array<{ name: string; data: Uint8Array; updated_at: number }>) {
    const insert = db.insertInto('documents').values(rows);
    return this.store.dialect === 'mysql'
      ? insert.onDuplicateKeyUpdate({ data: sql`values(${sql.ref('data')})`, updated_at: sql`values(${sql.ref('updated_at')})` })
      : insert.onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ data: eb.ref('excluded.data'), updated_at: eb.ref('excluded.updated_at') })));
  }
}

/** Splits `items` into statements of at most BATCH_ROWS rows and about BATCH_BYTES. */
function chunked<T>(items: T[], size: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (chunk.length === 0 || chunk.length >= BATCH_ROWS || bytes + size(item) > BATCH_BYTES) {
      chunk = [];
      chunks.push(chunk);
      bytes = 0;
    }
    chunk.push(item);
    bytes += size(item);
  }
  return chunks;
}

/** Runs `write` and answers every waiter with its outcome: a failed batch fails only its own waiters. */
async function answer(waiters: Waiter[], write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
    for (const w of waiters) w.resolve();
  } catch (error) {
    for (const w of waiters) w.reject(error);
  }
}

function toBytes(data: Uint8Array | Buffer): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
