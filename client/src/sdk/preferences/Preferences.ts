import { keyValue, ParleyError, userParts, type ConversationSettings, type Draft, type KeyValue } from '@parley/schema';
import type * as Y from 'yjs';

export interface PreferencesHooks {
  /** A draft changed, here or on another tab or device. */
  drafts(): void;
  /** Settings of these conversations changed. */
  settings(conversationIds: string[]): void;
}

/**
 * Drafts and per-conversation settings (mute, pin, cleared-before), kept in the
 * user document so they follow the user to every tab and device (rule SDK-D1).
 * Frequently rewritten, so array-backed key/value (docs/protocol.md B1).
 */
export class Preferences {
  private readonly drafts: KeyValue<Draft>;
  private readonly settings: KeyValue<ConversationSettings>;

  constructor(doc: Y.Doc, hooks: PreferencesHooks, private readonly now: () => number = Date.now) {
    const parts = userParts(doc);
    this.drafts = keyValue(parts.drafts);
    this.settings = keyValue(parts.settings);
    this.drafts.onChange(() => hooks.drafts());
    this.settings.onChange((changes) => hooks.settings([...changes.keys()]));
  }

  draft(conversationId: string): Draft | undefined {
    return this.drafts.get(conversationId);
  }

  /** An empty text deletes the draft. */
  setDraft(conversationId: string, text: string, replyTo?: string): void {
    if (typeof text !== 'string') throw new ParleyError('VALIDATION_FAILED', 'setDraft: text must be a string');
    if (text === '') this.drafts.delete(conversationId);
    else this.drafts.set(conversationId, { text, updatedAt: this.now(), ...(replyTo ? { replyTo } : {}) });
  }

  settingsOf(conversationId: string): ConversationSettings {
    return this.settings.get(conversationId) ?? {};
  }

  /** Merges `patch` into the conversation's settings. */
  patchSettings(conversationId: string, patch: ConversationSettings): void {
    this.settings.set(conversationId, { ...this.settings.get(conversationId), ...patch });
  }

  draftMap(): Map<string, Draft> {
    return plain(this.drafts);
  }

  settingsMap(): Map<string, ConversationSettings> {
    return plain(this.settings);
  }
}

export function plain<T>(kv: KeyValue<T>): Map<string, T> {
  return new Map(kv.entries());
}
