import { create } from 'zustand';
import type { ConversationDetail, User } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';

interface ConversationsStore {
  /** The SDK's live list (pinned first, then newest); null until the first load. */
  list: ConversationView[] | null;
  /** Why the list may be stale (offline start, server error). */
  error: string | null;
  /** Members with names and roles, per conversation, fetched when one is opened and after each change of membership. */
  details: Record<string, ConversationDetail>;
  /** Everyone this tab has seen a name for, so a member who left still has one in old messages. */
  people: Record<string, User>;
  /** Conversations the server said this user is no longer a member of (a send refused NOT_A_MEMBER). */
  left: Record<string, true>;
}

export const useConversations = create<ConversationsStore>(() => ({ list: null, error: null, details: {}, people: {}, left: {} }));

export function setDetail(detail: ConversationDetail): void {
  useConversations.setState((s) => ({
    details: { ...s.details, [detail.id]: detail },
    people: { ...s.people, ...Object.fromEntries(detail.members.map((m) => [m.id, m])) },
  }));
}

export const useConversationView = (id: string | null) => useConversations((s) => (id ? (s.list?.find((c) => c.id === id) ?? null) : null));

export const useConversationDetail = (id: string | null) => useConversations((s) => (id ? (s.details[id] ?? null) : null));

/** The number the title badge shows: unread messages in conversations that are not muted. */
export const unreadTotal = (list: ConversationView[] | null) => (list ?? []).reduce((sum, c) => sum + (c.muted ? 0 : c.unreadCount), 0);
