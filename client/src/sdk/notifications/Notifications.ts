import type { Message } from '@parley/schema';

/**
 * Which messages are news (rules SDK-N1, SDK-N2). What the device already held
 * when it started, or what the server had when the user document first synced,
 * is the baseline and fires nothing; after it, each message from someone else
 * above the highest seq seen for its conversation fires once, in seq order.
 */
export class Notifications {
  private readonly seen = new Map<string, number>();
  private baselining = true;

  constructor(
    private readonly me: string,
    private readonly received: (message: Message) => void,
  ) {}

  get inBaseline(): boolean {
    return this.baselining;
  }

  /** The baseline is known: everything up to each conversation's `lastSeq` is old. */
  endBaseline(lastSeqs: Iterable<[conversationId: string, lastSeq: number]>): void {
    this.baselining = false;
    for (const [id, seq] of lastSeqs) this.seen.set(id, Math.max(this.seen.get(id) ?? 0, seq));
  }

  /** Messages seen in the inbox or an open window. */
  note(conversationId: string, messages: readonly Message[]): void {
    const base = this.seen.get(conversationId) ?? 0;
    let max = base;
    const fresh: Message[] = [];
    for (const m of messages) {
      if (m.seq > max) max = m.seq;
      if (!this.baselining && m.seq > base && m.senderId !== this.me && m.kind !== 'system') fresh.push(m);
    }
    this.seen.set(conversationId, max);
    fresh.sort((a, b) => a.seq - b.seq);
    for (const m of fresh) this.received(m);
  }
}
