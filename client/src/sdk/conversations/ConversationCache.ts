import type { ConversationDetail, ConversationSummary } from '@parley/schema';
import type { ClientStorage } from '../storage/types.ts';
import { conversationList, type ListSources } from './listView.ts';
import type { ConversationView } from './types.ts';

export interface ConversationCacheHooks {
  /** The joined list changed (any of its sources did). */
  changed(list: ConversationView[]): void;
  storageFailed(error: unknown): void;
}

/**
 * The conversation list's own state: the REST summaries, kept on the device for
 * offline starts (rule SDK-L2), and the joined list (SDK-L1), computed once per
 * change of any source instead of once per read.
 */
export class ConversationCache {
  private readonly summaries = new Map<string, ConversationSummary>();
  private readonly details = new Map<string, ConversationDetail>();
  private view: ConversationView[] | null = null;
  private readonly key: string;

  constructor(
    userId: string,
    private readonly storage: ClientStorage,
    /** The live sources besides the summaries: inbox, settings, drafts, presence. */
    private readonly sources: () => Omit<ListSources, 'summaries'>,
    private readonly hooks: ConversationCacheHooks,
  ) {
    this.key = `conversations:${userId}`;
  }

  /** Restores the list saved by an earlier session; what is known already wins. */
  async load(): Promise<void> {
    try {
      const cached = await this.storage.get<ConversationSummary[]>(this.key);
      for (const c of cached ?? []) if (!this.summaries.has(c.id)) this.summaries.set(c.id, c);
    } catch (e) {
      this.hooks.storageFailed(e);
    }
  }

  list(): ConversationView[] {
    this.view ??= conversationList({ summaries: this.summaries, ...this.sources() });
    return this.view;
  }

  /** The server's full list replaces what was known. */
  replace(items: readonly ConversationSummary[]): void {
    this.summaries.clear();
    for (const c of items) this.summaries.set(c.id, c);
    this.changed();
    this.save();
  }

  /** One conversation the server answered with (created, fetched, changed). */
  remember(c: ConversationSummary | ConversationDetail): void {
    this.summaries.set(c.id, c);
    if ('members' in c) this.details.set(c.id, c);
    this.changed();
    this.save();
  }

  /** The user left or was removed. */
  forget(id: string): void {
    if (!this.summaries.delete(id) && !this.details.delete(id)) return;
    this.details.delete(id);
    this.changed();
    this.save();
  }

  detail(id: string): ConversationDetail | undefined {
    return this.details.get(id);
  }

  /** A source changed: recompute on the next read and tell the listeners. */
  changed(): void {
    this.view = null;
    this.hooks.changed(this.list());
  }

  /** Local cleanup at logout. */
  async clear(): Promise<void> {
    this.summaries.clear();
    this.details.clear();
    this.view = null;
    await this.storage.delete(this.key);
  }

  private save(): void {
    this.storage.set(this.key, [...this.summaries.values()]).catch((e: unknown) => this.hooks.storageFailed(e));
  }
}
