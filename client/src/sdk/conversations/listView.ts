import type { ConversationSettings, ConversationSummary, Draft, InboxEntry } from '@parley/schema';
import type { ConversationView } from './types.ts';

export interface ListSources {
  summaries: ReadonlyMap<string, ConversationSummary>;
  inbox: ReadonlyMap<string, InboxEntry>;
  settings: ReadonlyMap<string, ConversationSettings>;
  drafts: ReadonlyMap<string, Draft>;
  online: ReadonlySet<string>;
}

/**
 * The conversation list (rule SDK-L1): every conversation known from the REST list
 * or the live inbox; the inbox wins for last message and unread count because it
 * is newer; pinned first, then most recent activity.
 */
export function conversationList(s: ListSources): ConversationView[] {
  const ids = new Set([...s.summaries.keys(), ...s.inbox.keys()]);
  const rows: ConversationView[] = [];
  for (const id of ids) {
    const sum = s.summaries.get(id);
    const box = s.inbox.get(id);
    const settings = s.settings.get(id) ?? {};
    const useInbox = box && (!sum || box.lastSeq >= sum.lastSeq);
    const lastMessage = useInbox ? box.lastMessage : sum?.lastMessage ?? null;
    rows.push({
      id,
      type: sum?.type ?? 'direct',
      title: sum?.title ?? null,
      avatarUrl: sum?.avatarUrl ?? null,
      status: sum?.status ?? 'active',
      context: sum?.context ?? null,
      expiresAt: sum?.expiresAt ?? null,
      lastMessage,
      lastSeq: useInbox ? box.lastSeq : sum?.lastSeq ?? 0,
      unreadCount: useInbox ? box.unreadCount : sum?.unreadCount ?? 0,
      readSeq: box?.readSeq ?? 0,
      updatedAt: Math.max(box?.updatedAt ?? 0, lastMessage?.createdAt ?? 0, sum?.createdAt ?? 0),
      role: sum?.role ?? null,
      peer: sum?.peer ?? null,
      memberCount: sum?.memberCount ?? null,
      online: sum?.peer ? s.online.has(sum.peer.id) : false,
      muted: settings.muted ?? false,
      pinned: settings.pinned ?? false,
      draft: s.drafts.get(id) ?? null,
    });
  }
  return rows.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
}
