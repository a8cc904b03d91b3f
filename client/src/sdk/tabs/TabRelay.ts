import * as Y from 'yjs';
import type { BroadcastChannelLike } from './channel.ts';

interface Frame {
  doc: string;
  from: string;
  to?: string;
  kind: 'update' | 'query' | 'state' | 'signal';
  data: Uint8Array;
  /** kind 'signal': what happened to the user in that tab (rule SDK-A5). */
  signal?: TabSignal;
  /** Conversation documents: the sender's epoch, so a tab still on an older one cannot re-infect a fresh copy (E2). */
  epoch?: number | null;
  reply?: boolean;
}

/** News for every tab of the user that is not a document change: the user signed out. */
export type TabSignal = 'signedOut';

interface Registration {
  doc: Y.Doc;
  epoch: () => number | null;
  minEpoch: number | null;
  onUpdate: (update: Uint8Array, origin: unknown) => void;
}

/**
 * Relays Yjs updates between the tabs of one browser (rules SDK-T1–SDK-T2), with or
 * without a server: every local change is posted; a newcomer asks the others for
 * what it lacks (state vector → diff) and offers what they lack. Updates from
 * the relay carry the relay as origin, so they are never posted back.
 */
export class TabHub {
  readonly tabId = Math.random().toString(36).slice(2);
  private readonly docs = new Map<string, Registration>();

  constructor(
    private readonly channel: BroadcastChannelLike,
    private readonly onSignal: (signal: TabSignal) => void = () => {},
  ) {
    channel.onmessage = (event) => this.receive(event.data as Frame);
  }

  /** Tells every other tab of the user (rule SDK-A5). */
  signal(signal: TabSignal): void {
    this.post({ doc: '', kind: 'signal', data: new Uint8Array(), signal });
  }

  add(name: string, doc: Y.Doc, epoch: () => number | null = () => null): void {
    this.remove(name);
    const reg: Registration = {
      doc,
      epoch,
      minEpoch: null,
      onUpdate: (update, origin) => {
        if (origin === this) return;
        this.post({ doc: name, kind: 'update', data: update });
      },
    };
    doc.on('update', reg.onUpdate);
    this.docs.set(name, reg);
    this.post({ doc: name, kind: 'query', data: Y.encodeStateVector(doc) });
  }

  /** After an epoch reset: ignore tabs still holding an older epoch than this one. */
  setMinEpoch(name: string, epoch: number | null): void {
    const reg = this.docs.get(name);
    if (reg) reg.minEpoch = epoch;
  }

  remove(name: string): void {
    const reg = this.docs.get(name);
    if (!reg) return;
    reg.doc.off('update', reg.onUpdate);
    this.docs.delete(name);
  }

  close(): void {
    for (const name of [...this.docs.keys()]) this.remove(name);
    this.channel.onmessage = null;
    this.channel.close();
  }

  private post(frame: Omit<Frame, 'from' | 'epoch'> & { reply?: boolean }): void {
    const reg = this.docs.get(frame.doc);
    try {
      this.channel.postMessage({ ...frame, from: this.tabId, epoch: reg?.epoch() ?? null });
    } catch {
      // A closed channel (tab unloading): the server path still carries the change.
    }
  }

  private receive(frame: Frame): void {
    if (!frame || frame.from === this.tabId || (frame.to && frame.to !== this.tabId)) return;
    if (frame.kind === 'signal') {
      if (frame.signal === 'signedOut') this.onSignal(frame.signal);
      return;
    }
    const reg = this.docs.get(frame.doc);
    if (!reg) return;
    if (reg.minEpoch !== null && (frame.epoch ?? -Infinity) < reg.minEpoch) return;
    switch (frame.kind) {
      case 'update':
      case 'state':
        Y.applyUpdate(reg.doc, frame.data, this);
        break;
      case 'query':
        this.post({ doc: frame.doc, to: frame.from, kind: 'state', data: Y.encodeStateAsUpdate(reg.doc, frame.data) });
        if (!frame.reply) this.post({ doc: frame.doc, to: frame.from, kind: 'query', data: Y.encodeStateVector(reg.doc), reply: true });
        break;
    }
  }
}
