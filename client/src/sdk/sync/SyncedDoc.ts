import type { HocuspocusProvider } from '@hocuspocus/provider';
import { epochState, type ParleyError } from '@parley/schema';
import * as Y from 'yjs';
import type { ClientStorage, DocPersistence } from '../storage/types.ts';
import type { TabHub } from '../tabs/TabRelay.ts';
import type { AttachOptions, Connection } from './Connection.ts';

export interface SyncedDocContext {
  storage: ClientStorage;
  storagePrefix: string;
  connection: Connection;
  tabs: TabHub | null;
  onError(error: ParleyError): void;
}

export interface SyncedDocOptions extends AttachOptions {
  /** Conversation documents: watch the epoch and start over when it goes stale (rule E2). */
  epochs: boolean;
  /** Called after an epoch reset replaced the document. */
  onReset?(epoch: number | null): void;
}

/**
 * A Yjs document with its three replicas wired up: local storage, the other tabs,
 * and the server. The Y.Doc object is replaced on an epoch reset, so readers go
 * through `doc` every time and listen with `onChange`, never to the Y.Doc itself.
 */
export class SyncedDoc {
  doc: Y.Doc;
  provider: HocuspocusProvider | null = null;
  private persistence: DocPersistence | null = null;
  private readonly listeners = new Set<() => void>();
  private resetting: Promise<void> | null = null;
  private destroyed = false;
  private minEpoch: number | null = null;
  private syncedOnce = false;

  constructor(
    readonly name: string,
    private readonly ctx: SyncedDocContext,
    private readonly options: SyncedDocOptions,
  ) {
    this.doc = new Y.Doc();
  }

  get synced(): boolean {
    return this.provider?.isSynced ?? false;
  }

  hadLocalState(): boolean {
    return this.persistence?.hadState() ?? false;
  }

  /** Synced with the server at least once since it was opened (an epoch reset and a reconnect keep it). */
  get everSynced(): boolean {
    return this.syncedOnce;
  }

  async open(): Promise<void> {
    const doc = this.doc;
    this.persistence = this.ctx.storage.persistDoc(this.ctx.storagePrefix + this.name, doc, (e) => this.ctx.onError(e));
    try {
      await this.persistence.whenLoaded;
    } catch (e) {
      this.ctx.onError(e as ParleyError);
    }
    if (this.destroyed || doc !== this.doc) return;
    if (this.options.epochs && epochState(doc).stale) {
      await this.reset();
      return;
    }
    doc.on('update', () => this.changed(doc));
    this.ctx.tabs?.add(this.name, doc, () => epochState(doc).epoch);
    if (this.minEpoch !== null) this.ctx.tabs?.setMinEpoch(this.name, this.minEpoch);
    this.provider = this.ctx.connection.attach(this.name, doc, {
      ...this.options,
      onSynced: () => {
        this.options.onSynced?.();
        if (doc !== this.doc || this.syncedOnce) return;
        // A sync that changed nothing fires no update: listeners still learn the document is current.
        this.syncedOnce = true;
        this.emit();
      },
    });
    this.provider.awareness?.on('change', () => this.emit());
    this.emit();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.teardown(false);
    this.listeners.clear();
  }

  /**
   * Rule E2: the server cut this document over to a new epoch. Drop the provider,
   * the tab relay and the stored copy, then load it afresh from the server. Pending
   * commands live in the user document and are untouched.
   */
  reset(): Promise<void> {
    this.resetting ??= (async () => {
      const epoch = epochState(this.doc).epoch;
      this.minEpoch = epoch;
      await this.teardown(true);
      if (this.destroyed) return;
      this.doc = new Y.Doc();
      this.resetting = null;
      await this.open();
      this.options.onReset?.(epoch);
    })().finally(() => {
      this.resetting = null;
    });
    return this.resetting;
  }

  private changed(doc: Y.Doc): void {
    if (doc !== this.doc) return;
    if (this.options.epochs && epochState(doc).stale) {
      void this.reset();
      return;
    }
    this.emit();
  }

  private emit(): void {
    for (const fn of [...this.listeners]) fn();
  }

  private async teardown(clear: boolean): Promise<void> {
    const doc = this.doc;
    this.ctx.tabs?.remove(this.name);
    this.provider?.destroy();
    this.provider = null;
    const persistence = this.persistence;
    this.persistence = null;
    try {
      if (persistence) await (clear ? persistence.clear() : persistence.destroy());
    } catch (e) {
      this.ctx.onError(e as ParleyError);
    }
    doc.destroy();
  }
}
