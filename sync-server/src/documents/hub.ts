import * as Y from 'yjs';
import type { Document, Hocuspocus, DirectConnection } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import { CLOSE, conversationDocName, conversationParts, epochState, type ConversationMeta, type MessageEntry } from '@parley/schema';
import type { ConversationWriter, ProjectedChange } from '../commands/executor.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../cluster/bus.ts';
import { loadEntries, loadMeta, loadReads, loadWindow, windowVersions } from '../index/projection.ts';
import { buildConversation, entriesBehind, removeReads, setMeta, setReads, trimWindow, upsertEntries, windowShortfall } from './conversation.ts';
import type { DocumentPersistence } from './persistence.ts';
import type { Quarantine } from './quarantine.ts';

/** Changes made by the server itself carry this origin (Hocuspocus treats it as local). */
export const SERVER_ORIGIN = { source: 'local' as const };

interface DirectEntry {
  connection: Promise<DirectConnection>;
  timer: NodeJS.Timeout | null;
  /** Writers and holders using it; it closes after `idleMs` at zero. */
  users: number;
}

const DROP_TOPIC = 'epochDrop';
/** How long a peer's announced drop holds opens back, if its release never arrives (it died). */
const PEER_DROP_MAX_MS = 5000;
/** How often the server's own open looks again whether a dropped copy is gone (E2). */
const DROP_POLL_MS = 50;
/**
 * Rule O14: how long after a command's first attempt its projection is looked
 * at again, time enough for a projection still under way (on this instance or
 * another) to have arrived.
 */
const REPAIR_AFTER_MS = 3000;

function decodes(update: Uint8Array): boolean {
  try {
    Y.decodeUpdate(update);
    return true;
  } catch {
    return false;
  }
}

const isRedisOrigin = (origin: unknown) => (origin as { source?: string } | null)?.source === 'redis';

/**
 * Owns the conversation documents of this instance: loads them (checking them
 * against the index, rule E3), writes into them for the command executor, and
 * keeps the update log (P2) in step with what was broadcast.
 */
export class DocumentHub implements ConversationWriter {
  private instance: Hocuspocus | null = null;
  private closed = false;
  private readonly pending = new Map<string, Uint8Array[]>();
  private readonly flushing = new Map<string, Promise<void>>();
  private readonly soon = new Set<string>();
  /** Rule P8: user documents whose pending updates all came from their clients. */
  private readonly lazy = new Set<string>();
  /** Copies that merged two epochs (E2): never stored or logged again. */
  private readonly stale = new WeakSet<Y.Doc>();
  /** Names of stale copies still loaded here, announced to the other instances until they unload. */
  private readonly dropping = new Set<string>();
  /** `instance\0name` of stale copies other instances are letting go of, each with its time limit. */
  private readonly peerDrops = new Map<string, NodeJS.Timeout>();
  private bus: Bus | null = null;
  private readonly direct = new Map<string, DirectEntry>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly persistence: DocumentPersistence,
    private readonly windowSize: number,
    private readonly log: Logger,
    /** How long a document the server wrote stays open after its last write. */
    private readonly idleMs: number,
    private readonly quarantine: Quarantine | null = null,
  ) {}

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  /**
   * Rule E2 across instances: while any instance lets go of a copy that merged
   * two epochs, no instance hands the document out, or a fresh load would merge
   * the other's stale copy again through Redis.
   */
  attachBus(bus: Bus) {
    this.bus = bus;
    bus.subscribe(DROP_TOPIC, ({ name, dropping }: { name: string; dropping: boolean }, from) => {
      if (from === bus.instance || typeof name !== 'string') return;
      const key = `${from}\u0000${name}`;
      clearTimeout(this.peerDrops.get(key));
      this.peerDrops.delete(key);
      if (dropping) this.peerDrops.set(key, setTimeout(() => this.peerDrops.delete(key), PEER_DROP_MAX_MS).unref());
    });
  }

  /**
   * A user document's stored state, merged into one update. Rule P5: a stored
   * update that does not decode is kept aside and left out; the rest loads.
   */
  async loadStored(name: string): Promise<Uint8Array | null> {
    const stored = await this.persistence.load(name);
    if (!stored) return null;
    try {
      return Y.mergeUpdates(stored);
    } catch (error) {
      await this.quarantine?.keep(name, stored, `stored updates do not decode: ${String(error)}`);
      const valid = stored.filter((update) => decodes(update));
      return valid.length ? Y.mergeUpdates(valid) : null;
    }
  }

  /** onLoadDocument for `conversation:<id>`. */
  async loadConversation(document: Y.Doc, name: string, conversationId: string): Promise<void> {
    const row = await this.db.selectFrom('conversations').select('epoch').where('id', '=', conversationId).executeTakeFirst();
    if (!row) throw new Error(`no conversation ${conversationId}`);
    const stored = await this.persistence.load(name);
    if (stored) {
      const loaded = new Y.Doc();
      try {
        for (const update of stored) Y.applyUpdate(loaded, update);
      } catch (error) {
        // Rule P5: what was stored is kept aside; the index holds the conversation, so it is built afresh from it (E1).
        loaded.destroy();
        await this.quarantine?.keep(name, stored, `stored updates do not decode: ${String(error)}`);
        await this.cutOver(document, name, conversationId, Number(row.epoch));
        return;
      }
      const expected = await windowVersions(this.db, conversationId, this.windowSize);
      const shortfall = windowShortfall(loaded, expected, Number(row.epoch));
      if (shortfall === null) {
        Y.applyUpdate(document, Y.encodeStateAsUpdate(loaded));
        loaded.destroy();
        // Meta is derived from the index: an expiry that passed while the document slept shows now.
        const meta = await loadMeta(this.db, conversationId);
        if (meta) setMeta(document, meta);
        return;
      }
      loaded.destroy();
      this.log.warn({ document: name, shortfall }, 'stored document lacks what the index holds; cutting over to a new epoch');
    }
    await this.cutOver(document, name, conversationId, Number(row.epoch));
  }

  /**
   * Rule E1: builds the document afresh from the index under a new epoch. Clients
   * that hold an older copy see two epochs after syncing and reload (E2).
   *
   * One builder per epoch, across instances: the epoch is taken in the index and
   * the new snapshot written in one transaction, only if the epoch is still the
   * one this load saw. A second builder (another instance opening the same new
   * conversation at the same moment) finds it taken and adopts the first one's
   * document instead of merging a second copy of every message into it.
   */
  private async cutOver(document: Y.Doc, name: string, conversationId: string, epoch: number) {
    const [meta, reads, window] = await Promise.all([
      loadMeta(this.db, conversationId),
      loadReads(this.db, conversationId),
      loadWindow(this.db, conversationId, this.windowSize),
    ]);
    const built = new Y.Doc();
    buildConversation(built, { meta: meta!, reads, window, epoch: epoch + 1 });
    const won = await this.persistence.resetIf(name, built, async (trx) => {
      const taken = await trx.updateTable('conversations').set({ epoch: epoch + 1 }).where('id', '=', conversationId).where('epoch', '=', epoch).executeTakeFirst();
      return Number(taken.numUpdatedRows) === 1;
    });
    if (won) {
      Y.applyUpdate(document, Y.encodeStateAsUpdate(built));
      built.destroy();
      return;
    }
    built.destroy();
    // The epoch and its snapshot were committed together: the stored document is the winner's build.
    const stored = await this.persistence.load(name);
    if (!stored) throw new Error(`${name}: epoch ${epoch + 1} was taken with no document stored`);
    for (const update of stored) Y.applyUpdate(document, update);
    this.log.info({ document: name, epoch: epochState(document).epoch }, 'another builder took this epoch; adopted its document');
  }

  /**
   * afterLoadDocument: every change from now on goes to the log. A conversation
   * document's changes are the server's and are flushed before their result (P2);
   * a user document's come from its owner too (drafts, settings) and are flushed
   * at once, in order, without waiting for a snapshot (P4).
   */
  track(document: Document) {
    const name = document.name;
    const user = name.startsWith('user:');
    document.on('update', (update: Uint8Array, origin: unknown) => {
      if (!user && epochState(document).stale) {
        this.drop(document);
        return;
      }
      // Another instance logged its own change already.
      if (isRedisOrigin(origin)) return;
      const list = this.pending.get(name);
      // Rule P8: a user document's pending updates are lazy while they are all its clients'.
      if (origin === SERVER_ORIGIN) this.lazy.delete(name);
      else if (!list) this.lazy.add(name);
      if (list) list.push(update);
      else this.pending.set(name, [update]);
      if (user) this.flushSoon(name);
    });
  }

  /**
   * Rule E2 on the server: this instance's copy merged another epoch (another
   * instance built the document anew, or this one held an older build). The
   * merged copy is never stored or logged again, and the server lets go of it
   * at once, so that it unloads as its clients reload (they see the two epochs
   * too) and the next open loads the newest epoch from the store.
   */
  private drop(document: Document) {
    const name = document.name;
    if (this.stale.has(document)) return;
    this.stale.add(document);
    this.dropping.add(name);
    this.bus?.publish(DROP_TOPIC, { name, dropping: true });
    this.pending.delete(name);
    this.lazy.delete(name);
    this.log.warn({ document: name, epochs: conversationParts(document).epoch.toArray() }, 'document merged another epoch; dropping this copy');
    const entry = this.direct.get(name);
    if (!entry) return;
    this.direct.delete(name);
    if (entry.timer) clearTimeout(entry.timer);
    entry.connection
      .then((connection) => connection.disconnect())
      .catch((error: unknown) => this.log.error({ err: error, document: name }, 'closing a direct connection failed'));
  }

  /** E2: this instance holds a copy of `name` that merged two epochs and is letting go of it. */
  isDropped(name: string): boolean {
    const document = this.instance?.documents.get(name);
    if (document !== undefined && this.stale.has(document)) return true;
    for (const key of this.peerDrops.keys()) if (key.endsWith(`\u0000${name}`)) return true;
    return false;
  }

  /** P4: the updates of one event-loop turn go to the log together; one check-phase callback serves every document. */
  private flushSoon(name: string) {
    if (this.soon.size === 0) setImmediate(() => this.flushAllSoon());
    this.soon.add(name);
  }

  private flushAllSoon() {
    const names = [...this.soon];
    this.soon.clear();
    for (const name of names) {
      this.flush(name, { lazy: true }).catch((error: unknown) => this.log.warn({ err: error, document: name }, 'logging document updates failed; the next flush or snapshot retries'));
    }
  }

  /** afterUnloadDocument: a document stored on unload needs no flush chain any more. */
  forget(name: string) {
    if (this.dropping.delete(name)) this.bus?.publish(DROP_TOPIC, { name, dropping: false });
    if (this.pending.get(name)?.length) return;
    this.flushing.delete(name);
    this.lazy.delete(name);
  }

  /** Writes pending updates of a document to the log, in order. */
  async flush(name: string, options: { lazy?: boolean } = {}): Promise<void> {
    // Someone waits for this one, or the server's own change is in it: an earlier lazy append
    // ahead of it in the chain goes now (P8).
    if (!options.lazy || !this.lazy.has(name)) this.persistence.hurry();
    const previous = this.flushing.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const updates = this.pending.get(name);
      if (!updates?.length) return;
      this.pending.delete(name);
      const lazy = this.lazy.delete(name) && options.lazy === true;
      try {
        await this.persistence.appendUpdates(name, updates, { lazy });
      } catch (error) {
        // Kept, in order, ahead of what arrived meanwhile: the next flush or the snapshot writes them.
        this.pending.set(name, [...updates, ...(this.pending.get(name) ?? [])]);
        throw error;
      }
    });
    this.flushing.set(name, next.catch(() => undefined));
    await next;
  }

  /** onStoreDocument: a snapshot; pending log entries become unnecessary once it is written. */
  async store(document: Document): Promise<void> {
    // E2: a copy that merged two epochs would overwrite the newest build with both.
    if (this.stale.has(document) || (document.name.startsWith('conversation:') && epochState(document).stale)) {
      this.drop(document);
      return;
    }
    await this.flush(document.name);
    await this.persistence.storeSnapshot(document.name, document);
  }

  async project(conversationId: string, change: ProjectedChange) {
    const [entries, meta] = await Promise.all([
      change.entries ?? loadEntries(this.db, change.messageIds),
      change.meta ? loadMeta(this.db, conversationId) : Promise.resolve(null),
    ]);
    await this.write(conversationId, { entries, meta, reads: change.reads, removed: change.removed, onlyBehind: false });
  }

  /**
   * Rule O14: a command answered from its first result may have committed
   * without its projection (the database's answer to the commit was lost, or
   * the projection failed after it). A moment after the first attempt, the
   * document gets what it lacks of the index: the named messages at their
   * newest versions, the read markers and the meta. A document that stays
   * loaded is never checked against the index again (E3 looks at loads).
   */
  repair(conversationId: string, messageIds: string[], firstAttemptAt: number) {
    const timer = setTimeout(() => {
      if (this.closed) return;
      this.catchUp(conversationId, messageIds).catch((error: unknown) =>
        this.log.warn({ err: error, conversation: conversationId }, 'repairing a conversation document failed; its next load checks it'));
    }, Math.max(0, firstAttemptAt + REPAIR_AFTER_MS - Date.now()));
    timer.unref();
  }

  private async catchUp(conversationId: string, messageIds: string[]) {
    const [entries, reads, meta] = await Promise.all([
      loadEntries(this.db, messageIds),
      loadReads(this.db, conversationId),
      loadMeta(this.db, conversationId),
    ]);
    const repaired = await this.write(conversationId, { entries, meta, reads, removed: [], onlyBehind: true });
    if (repaired) this.log.warn({ document: conversationDocName(conversationId), messages: repaired }, 'a committed command had not been projected; projected it now');
  }

  /**
   * Writes into the conversation document, then logs it (rule P2: before the
   * command's result is written). `onlyBehind` leaves out the entries it holds
   * at their version already. Returns how many entries it wrote.
   */
  private async write(conversationId: string, change: { entries: MessageEntry[]; meta: Partial<ConversationMeta> | null; reads: Record<string, number>; removed: string[]; onlyBehind: boolean }): Promise<number> {
    const name = conversationDocName(conversationId);
    let written = 0;
    await this.withDocument(name, (doc) => {
      const entries = change.onlyBehind ? entriesBehind(doc, change.entries) : change.entries;
      written = entries.length;
      doc.transact(() => {
        upsertEntries(doc, entries);
        if (change.meta) setMeta(doc, change.meta);
        setReads(doc, change.reads);
        if (change.removed.length) removeReads(doc, change.removed);
        trimWindow(doc, this.windowSize);
      }, SERVER_ORIGIN);
    });
    await this.flush(name);
    return written;
  }

  evict(conversationId: string, userIds: string[]) {
    const document = this.instance?.documents.get(conversationDocName(conversationId));
    if (!document) return;
    const gone = new Set(userIds);
    for (const connection of document.getConnections()) {
      if (gone.has((connection.context as { userId?: string }).userId ?? '')) connection.close(CLOSE.notAMember);
    }
  }

  /**
   * Keeps a conversation document loaded (loading it if needed) until the
   * returned function is called. The executor holds the document before it
   * commits (rule E3): a load can then never see an index row that is waiting
   * to be projected into that very document, and mistake it for lost state.
   */
  async hold(conversationId: string): Promise<() => void> {
    const entry = this.acquire(conversationDocName(conversationId));
    try {
      await entry.connection;
    } catch (error) {
      this.unuse(conversationDocName(conversationId), entry);
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.unuse(conversationDocName(conversationId), entry);
    };
  }

  /** Runs `fn` on a loaded document, loading it through a direct connection kept open while busy. */
  async withDocument(name: string, fn: (doc: Document) => void): Promise<void> {
    const entry = this.acquire(name);
    try {
      const connection = await entry.connection;
      await connection.transact(fn);
    } finally {
      this.unuse(name, entry);
    }
  }

  private acquire(name: string): DirectEntry {
    const instance = this.instance;
    if (!instance) throw new Error('hub not attached');
    // After close() a new direct connection would reload a document that is being stored and unloaded.
    if (this.closed) throw new Error('the server is shutting down');
    let entry = this.direct.get(name);
    if (!entry) {
      const opened = this.afterDrop(name).then(() => instance.openDirectConnection(name, { userId: null, server: true }));
      const created: DirectEntry = { connection: opened, timer: null, users: 0 };
      created.connection.catch(() => {
        if (this.direct.get(name) === created) this.direct.delete(name);
      });
      this.direct.set(name, created);
      entry = created;
    }
    entry.users++;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    return entry;
  }

  /**
   * Rule E2: the server's own open of a document waits while a copy of it is
   * being dropped, here or on another instance. Opening it meanwhile would hand
   * back the loaded stale copy (its clients then stay refused for as long as
   * commands keep it open) or merge the peer's copy again. Client connections
   * still on a stale copy here after `PEER_DROP_MAX_MS` are closed (UNAVAILABLE:
   * they authenticate again, SDK-A7); one still loaded after twice that fails
   * the command, which stays in its outbox and is retried (O9).
   */
  private async afterDrop(name: string): Promise<void> {
    const started = Date.now();
    let closed = false;
    while (this.isDropped(name)) {
      const waited = Date.now() - started;
      const document = this.instance?.documents.get(name);
      if (waited >= 2 * PEER_DROP_MAX_MS) throw new Error(`${name}: a dropped copy is still loaded; try again shortly`);
      if (waited >= PEER_DROP_MAX_MS && !closed && document && this.stale.has(document)) {
        closed = true;
        this.log.warn({ document: name, connections: document.getConnectionsCount() }, 'a dropped copy did not unload; closing its connections');
        for (const connection of document.getConnections()) connection.close(CLOSE.reloading);
      }
      await new Promise((resolve) => setTimeout(resolve, DROP_POLL_MS));
    }
  }

  private unuse(name: string, entry: DirectEntry) {
    entry.users--;
    if (entry.users > 0) return;
    entry.timer = setTimeout(() => void this.release(name, entry), this.idleMs);
    entry.timer.unref();
  }

  private async release(name: string, entry: DirectEntry) {
    if (entry.users > 0 || this.direct.get(name) !== entry) return;
    this.direct.delete(name);
    await (await entry.connection).disconnect().catch((error: unknown) => this.log.error({ err: error, document: name }, 'closing a direct connection failed'));
  }

  /** Before shutdown: let go of every direct connection so documents store and unload. */
  async close() {
    this.closed = true;
    const entries = [...this.direct.entries()];
    this.direct.clear();
    await Promise.all(entries.map(async ([name, entry]) => {
      if (entry.timer) clearTimeout(entry.timer);
      try {
        await (await entry.connection).disconnect();
      } catch (error) {
        this.log.error({ err: error, document: name }, 'closing a direct connection failed');
      }
    }));
  }
}
